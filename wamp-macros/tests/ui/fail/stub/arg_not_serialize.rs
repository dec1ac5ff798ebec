//! A typed call whose argument type cannot be sent (no `Serialize`): the
//! handler compiles, calling its stub does not.
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
struct Item {
    sku: String,
}

/// Orders an item.
#[wamp::register("com.shop.order")]
fn order(item: Item) -> String {
    item.sku
}

async fn caller(s: &wamp::Session) -> Result<String, wamp::Error> {
    order::call(s, Item { sku: "a".into() }).await
}

fn main() {
    let _ = caller;
}
