#[wamp::register("com.math.add", invoke = "roundrobin", force_reregister = true)]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {}
