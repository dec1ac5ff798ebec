#[wamp::register("com.math.add", invok = "roundrobin")]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {}
