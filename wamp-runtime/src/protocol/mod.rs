//! The WAMP protocol core, with no I/O.
