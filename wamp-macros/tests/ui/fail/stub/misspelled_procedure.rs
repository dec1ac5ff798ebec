//! A typed call of a procedure that does not exist (a typo).

/// Adds two numbers.
#[wamp::register("com.math.add")]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

async fn caller(s: &wamp::Session) -> Result<i64, wamp::Error> {
    ad::call(s, 2, 3).await
}

fn main() {
    let _ = caller;
}
