#[wamp::register("com.shop.order.")]
fn order(item: String) -> String {
    item
}

fn main() {}
