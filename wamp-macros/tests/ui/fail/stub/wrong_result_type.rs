//! A typed call whose result is used as another type.

/// Adds two numbers.
#[wamp::register("com.math.add")]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

async fn caller(s: &wamp::Session) -> Result<(), wamp::Error> {
    let sum: String = add::call(s, 2, 3).await?;
    let _ = sum;
    Ok(())
}

fn main() {
    let _ = caller;
}
