//! Shared helpers for the integration tests.

use std::path::PathBuf;

pub mod api;
pub mod chaos;
pub mod interop;

/// Where the official WAMP test vectors are: `$WAMP_TESTSUITE_DIR`, or
/// `../shared/wamp-testsuite` beside the repository.
pub fn testsuite_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WAMP_TESTSUITE_DIR") {
        return PathBuf::from(dir);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/wamp-testsuite")
}

/// Converts a WAMP value to JSON for comparisons; binary data becomes lower-case hex.
pub fn value_to_json(value: &wamp::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        wamp::Value::Null => J::Null,
        wamp::Value::Bool(b) => J::Bool(*b),
        wamp::Value::Int(n) => J::from(*n),
        wamp::Value::UInt(n) => J::from(*n),
        wamp::Value::Float(x) => serde_json::Number::from_f64(*x).map_or(J::Null, J::Number),
        wamp::Value::String(s) => J::String(s.clone()),
        wamp::Value::Bytes(b) => J::String(hex::encode(b)),
        wamp::Value::List(items) => J::Array(items.iter().map(value_to_json).collect()),
        wamp::Value::Dict(d) => J::Object(
            d.iter()
                .map(|(k, v)| (k.clone(), value_to_json(v)))
                .collect(),
        ),
    }
}
