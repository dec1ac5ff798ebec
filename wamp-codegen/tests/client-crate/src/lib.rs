//! The client of the example math service, generated at build time by
//! `wamp-codegen` from `examples/snapshots/math_service.catalog.json`.

/// The math service: its types and one module per procedure and topic.
pub mod math {
    include!(concat!(env!("OUT_DIR"), "/math_service.rs"));
}
