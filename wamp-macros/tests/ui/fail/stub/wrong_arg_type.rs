//! A typed call with an argument of the wrong type.

/// Adds two numbers.
#[wamp::register("com.math.add")]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

async fn caller(s: &wamp::Session) -> Result<i64, wamp::Error> {
    add::call(s, "two", 3).await
}

fn main() {
    let _ = caller;
}
