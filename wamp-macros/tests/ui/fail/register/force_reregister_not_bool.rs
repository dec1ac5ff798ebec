#[wamp::register("com.math.add", force_reregister = "yes")]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {}
