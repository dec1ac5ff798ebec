#[wamp::subscribe("com.example.topic")]
async fn on_event(_input: wamp::ProgressiveInput<u8>) {}

fn main() {}
