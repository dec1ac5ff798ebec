struct Calc;

impl Calc {
    #[wamp::register("com.math.add")]
    fn add(&self, a: i64, b: i64) -> i64 {
        a + b
    }
}

fn main() {}
