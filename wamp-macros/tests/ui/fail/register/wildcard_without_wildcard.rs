#[wamp::register("com.shop.order", match = "wildcard")]
fn order(item: String) -> String {
    item
}

fn main() {}
