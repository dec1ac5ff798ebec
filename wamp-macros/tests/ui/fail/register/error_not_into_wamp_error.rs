#[derive(Debug)]
struct MyError;

#[wamp::register("com.math.div")]
fn div(a: i64, b: i64) -> Result<i64, MyError> {
    if b == 0 { Err(MyError) } else { Ok(a / b) }
}

fn main() {}
