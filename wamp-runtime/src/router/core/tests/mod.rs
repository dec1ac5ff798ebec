//! Tests of the router core, driven without sockets.
