//! A typed call with an argument missing.

/// Adds two numbers.
#[wamp::register("com.math.add")]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

async fn caller(s: &wamp::Session) -> Result<i64, wamp::Error> {
    add::call(s, 2).await
}

fn main() {
    let _ = caller;
}
