#[derive(serde::Deserialize)]
struct Point {
    x: f64,
}

#[wamp::register("com.geo.norm")]
fn norm(p: Point) -> f64 {
    p.x.abs()
}

fn main() {}
