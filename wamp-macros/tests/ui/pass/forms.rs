//! Every attribute form and parameter kind compiles.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Serialize, JsonSchema)]
struct Point {
    x: f64,
    y: f64,
}

#[derive(Deserialize, JsonSchema)]
struct Opts {
    #[serde(default)]
    verbose: bool,
}

struct Db;

#[wamp::register(
    "com.example.",
    match = "prefix",
    invoke = "roundrobin",
    concurrency = 4,
    disclose_caller = true,
    component = "example",
    errors = ["com.example.error.not_found", "com.example.error.busy"],
)]
async fn full(
    p: Point,
    #[kwarg] scale: Option<f64>,
    details: wamp::CallDetails,
    db: wamp::State<Db>,
    session: wamp::Session,
    progress: wamp::Progress<u32>,
    cancel: wamp::CancellationToken,
) -> Result<Point, wamp::Error> {
    let _ = (details, db, session, progress, cancel);
    let s = scale.unwrap_or(1.0);
    Ok(Point { x: p.x * s, y: p.y * s })
}

#[wamp::register("com.example..get", match = "wildcard", invoke = "random")]
fn plain(mut n: u32, #[kwargs] opts: Opts) -> wamp::CallResult {
    n += u32::from(opts.verbose);
    wamp::CallResult::value(&n).unwrap_or_default()
}

#[wamp::register("com.example.takeover", force_reregister = true, invoke = "single")]
fn takeover() -> u32 {
    1
}

#[wamp::register("com.example.unit")]
fn unit() {}

#[wamp::subscribe("com.example.event", get_retained = true, component = "example")]
async fn on_event(p: Point, details: wamp::EventDetails, db: wamp::State<Db>) {
    let _ = (p, details, db);
}

#[wamp::subscribe("com.example..changed", match = "wildcard")]
fn on_change(n: Option<i64>) -> Result<(), wamp::Error> {
    let _ = n;
    Ok(())
}

/// Takes its input in chunks, with other special parameters.
#[wamp::register("com.example.upload")]
async fn upload(
    _details: wamp::CallDetails,
    _input: wamp::ProgressiveInput<Point>,
    _cancel: wamp::CancellationToken,
) -> u64 {
    0
}

fn main() {}
