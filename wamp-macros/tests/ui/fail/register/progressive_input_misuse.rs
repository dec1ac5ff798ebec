#[wamp::register("com.example.upload")]
async fn with_args(name: String, _input: wamp::ProgressiveInput<Vec<u8>>) -> String {
    name
}

#[wamp::register("com.example.twice")]
async fn twice(_a: wamp::ProgressiveInput<u8>, _b: wamp::ProgressiveInput<u8>) {}

#[wamp::register("com.example.untyped")]
async fn untyped(_input: wamp::ProgressiveInput) {}

struct NotDecodable;

#[wamp::register("com.example.bad_item")]
async fn bad_item(_input: wamp::ProgressiveInput<NotDecodable>) {}

fn main() {}
