//! Procedural macros for the `wamp` crate (`wamp-runtime`).
//!
//! The `#[wamp::register]` and `#[wamp::subscribe]` attributes arrive with the
//! macro work (issue 4); this crate is the place they live in.
