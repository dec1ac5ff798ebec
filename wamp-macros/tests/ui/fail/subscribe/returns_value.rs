#[wamp::subscribe("com.chat.message")]
fn on_message(text: String) -> usize {
    text.len()
}

fn main() {}
