//! The typed stubs beside the functions: every form compiles, a stub whose
//! types only implement `Deserialize` compiles as long as it is not used,
//! and handlers inside a function body get theirs too.
#![deny(warnings)]

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Serialize, JsonSchema)]
struct Point {
    x: f64,
    y: f64,
}

#[derive(Deserialize, JsonSchema)]
struct OnlyIn {
    _name: String,
}

#[derive(Serialize, JsonSchema)]
struct OnlyOut {
    name: String,
}

#[derive(Deserialize, Serialize, JsonSchema)]
struct Opts {
    verbose: bool,
}

/// Takes the whole keyword arguments.
#[wamp::register("com.stub.kwargs")]
fn whole(#[kwargs] o: Opts) -> bool {
    o.verbose
}

/// Every parameter kind.
#[wamp::register("com.stub.full")]
async fn full(
    p: Point,
    scale: Option<f64>,
    #[kwarg] label: String,
    #[kwarg] r#type: Option<u8>,
    _details: wamp::CallDetails,
    progress: wamp::Progress<u32>,
) -> Result<Point, wamp::Error> {
    let _ = (label, r#type, progress);
    let s = scale.unwrap_or(1.0);
    Ok(Point { x: p.x * s, y: p.y * s })
}

/// Types only the callee side can use: the stub exists but is not callable.
#[wamp::register("com.stub.one_way")]
fn one_way(i: OnlyIn) -> OnlyOut {
    let _ = i;
    OnlyOut { name: String::new() }
}

/// A borrowed string result and progress: the caller receives a `String`.
#[wamp::register("com.stub.borrowed")]
async fn borrowed(n: u32, progress: wamp::Progress<u32>) -> Result<&'static str, wamp::Error> {
    let _ = (n, progress);
    Ok("done")
}

/// Takes its input in chunks.
#[wamp::register("com.stub.upload")]
async fn upload(_cancel: wamp::CancellationToken, _input: wamp::ProgressiveInput<Point>) -> u64 {
    0
}

/// A result type that only serializes, inside a `Vec`.
#[wamp::register("com.stub.many")]
fn many(n: Vec<Point>, progress: wamp::Progress<Point>) -> Vec<OnlyOut> {
    let _ = (n, progress);
    Vec::new()
}

/// Options named like the stub's methods: the parameters win.
#[wamp::register("com.stub.names..x", match = "wildcard")]
fn names(o: Opts, #[kwarg] timeout: Option<u32>, #[kwarg] call: Option<u8>) -> wamp::CallResult {
    let _ = (o.verbose, timeout, call);
    wamp::CallResult::empty()
}

#[wamp::register("com.stub.prefix.", match = "prefix")]
fn prefixed(procedure: String) {
    let _ = procedure;
}

#[wamp::subscribe("com.stub.event")]
fn on_event(p: Point, n: Option<i64>, _d: wamp::EventDetails) {
    let _ = (p, n);
}

#[wamp::subscribe("com.stub.room.", match = "prefix")]
fn on_room(text: String) {
    let _ = text;
}

async fn callers(s: &wamp::Session) -> Result<(), wamp::Error> {
    let p: Point = full::call(s, Point { x: 1.0, y: 2.0 }, "l".into())
        .scale(2.0)
        .r#type(3)
        .timeout(std::time::Duration::from_secs(1))
        .disclose_me()
        .await?;
    let _ = (p.x, p.y);
    let mut stream = full::call(s, Point { x: 1.0, y: 2.0 }, "l".into()).progressive();
    use futures_util::StreamExt as _;
    while let Some(update) = stream.next().await {
        match update? {
            wamp::client::stub::Update::Progress(n) => {
                let _: u32 = n;
            }
            wamp::client::stub::Update::Final(p) => {
                let _: Point = p;
            }
        }
    }
    let _r: wamp::CallResult = names::call(s, "com.stub.names.a.x", Opts { verbose: true })
        .timeout(5)
        .with_call(1)
        .options(wamp::CallOptions::default())
        .await?;
    prefixed::call(s, "com.stub.prefix.a", "x".into()).await?;
    let _: bool = whole::call(s, Opts { verbose: true }).await?;
    let _: String = borrowed::call(s, 1).await?;
    let mut input = upload::call(s, Point { x: 0.0, y: 0.0 }).timeout(std::time::Duration::from_secs(1)).start_input().await?;
    input.send(&Point { x: 1.0, y: 1.0 }).await?;
    let _: u64 = input.finish(&Point { x: 2.0, y: 2.0 }).await?;
    let _: u64 = upload::call(s, Point { x: 0.0, y: 0.0 }).await?;
    let _: Option<wamp::client::stub::Update<u32, String>> =
        borrowed::call(s, 1).progressive().next().await.transpose()?;
    let _id: Option<u64> = on_event::publish(s, &Point { x: 0.0, y: 0.0 })
        .n(&3)
        .acknowledge()
        .exclude_me(false)
        .await?;
    on_room::publish(s, "com.stub.room.a", &"hi".to_owned()).await?;

    // A handler inside a function body, with a local type.
    #[derive(Deserialize, Serialize, JsonSchema)]
    struct Local {
        n: u8,
    }
    #[wamp::register("com.stub.local")]
    fn local(l: Local) -> Local {
        l
    }
    let l: Local = local::call(s, Local { n: 1 }).await?;
    let _ = l.n;
    Ok(())
}

fn main() {
    let _ = callers;
}
