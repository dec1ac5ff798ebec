//! The generated items need no docs of their own.
#![deny(missing_docs)]

/// Adds two numbers.
#[wamp::register("com.docs.add")]
pub async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Listens.
#[wamp::subscribe("com.docs.event")]
pub fn on_event(text: String) {
    let _ = text;
}

fn main() {}
