//! `.progressive()` on the stub of a procedure that sends no progressive results.

/// Adds two numbers.
#[wamp::register("com.math.add")]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn caller(s: &wamp::Session) {
    let _ = add::call(s, 2, 3).progressive();
}

fn main() {
    let _ = caller;
}
