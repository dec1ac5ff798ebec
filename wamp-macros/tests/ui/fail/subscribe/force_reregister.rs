#[wamp::subscribe("com.example.event", force_reregister = true)]
fn on_event(n: i64) {
    let _ = n;
}

fn main() {}
