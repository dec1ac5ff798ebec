//! The client of the example math service, generated at build time by
//! `wamp-codegen` from `examples/snapshots/math_service.catalog.json`.

/// The math service: its types and one module per procedure and topic.
pub mod math {
    include!(concat!(env!("OUT_DIR"), "/math_service.rs"));
}

/// A catalog of the shapes the math service does not have (patterns,
/// keyword-only parameters, any results, inline and recursive types, several
/// or no event arguments); its client is compiled and type-checked only.
pub mod features {
    include!(concat!(env!("OUT_DIR"), "/features.rs"));
}
