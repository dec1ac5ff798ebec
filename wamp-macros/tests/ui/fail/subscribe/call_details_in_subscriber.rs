#[wamp::subscribe("com.chat.message")]
fn on_message(text: String, details: wamp::CallDetails) {
    let _ = (text, details);
}

fn main() {}
