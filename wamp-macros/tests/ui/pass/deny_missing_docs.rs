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

/// Uses the typed stubs (which need no docs of their own either).
pub async fn callers(s: &wamp::Session) -> Result<(), wamp::Error> {
    let _ = add::call(s, 1, 2).await?;
    on_event::publish(s, &"x".to_owned()).await?;
    Ok(())
}

fn main() {}
