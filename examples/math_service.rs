//! The documented example service: procedures and a topic written as
//! annotated functions, whose docs the runtime builds from the code.
//!
//! ```sh
//! # JSON, Markdown, HTML and AsyncAPI docs into target/docs/ (no network):
//! cargo run -p wamp-examples --bin math_service -- --write-docs target/docs
//! # one format on stdout:
//! cargo run -p wamp-examples --bin math_service -- --print-schema md
//! # run it: embedded router, the service, a client calling it and the
//! # reflection API; finishes by itself
//! cargo run -p wamp-examples --bin math_service
//! ```

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use wamp::{Error, Progress};

/// URI of the error answered for a division by zero.
pub const DIVISION_BY_ZERO: &str = "com.math.error.division_by_zero";

/// URI of the error answered for statistics of an empty series.
pub const EMPTY_SERIES: &str = "com.math.error.empty_series";

/// Adds two integers.
#[wamp::register("com.math.add", component = "math")]
pub fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Divides `a` by `b`; answers `com.math.error.division_by_zero` when `b` is 0.
#[wamp::register("com.math.divide", component = "math", errors = ["com.math.error.division_by_zero"])]
pub fn divide(a: f64, b: f64) -> Result<f64, Error> {
    if b == 0.0 {
        Err(Error::message(DIVISION_BY_ZERO, "cannot divide by zero"))
    } else {
        Ok(a / b)
    }
}

/// Summary statistics of a series of numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Stats {
    /// How many numbers there were.
    pub count: u32,
    /// Their arithmetic mean.
    pub mean: f64,
    /// The smallest one.
    pub min: f64,
    /// The largest one.
    pub max: f64,
}

/// Computes count, mean, minimum and maximum of a non-empty series.
#[wamp::register("com.math.stats", component = "math", errors = ["com.math.error.empty_series"])]
pub fn stats(values: Vec<f64>) -> Result<Stats, Error> {
    if values.is_empty() {
        return Err(Error::message(EMPTY_SERIES, "stats of an empty series"));
    }
    let count = values.len() as u32;
    let mean = values.iter().sum::<f64>() / f64::from(count);
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Ok(Stats {
        count,
        mean,
        min,
        max,
    })
}

/// How [`round()`] rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Rounding {
    /// To the nearest integer, halves away from zero.
    Nearest,
    /// Towards negative infinity.
    Down,
    /// Towards positive infinity.
    Up,
}

/// Rounds a number to `digits` decimal digits (default 0), by `mode`
/// (default `nearest`).
#[wamp::register("com.math.round", component = "math")]
pub fn round(value: f64, #[kwarg] digits: Option<u8>, #[kwarg] mode: Option<Rounding>) -> f64 {
    let scale = 10f64.powi(i32::from(digits.unwrap_or(0)));
    let scaled = value * scale;
    let rounded = match mode.unwrap_or(Rounding::Nearest) {
        Rounding::Nearest => scaled.round(),
        Rounding::Down => scaled.floor(),
        Rounding::Up => scaled.ceil(),
    };
    rounded / scale
}

/// Counts from 1 to `n`, sending each number as a progressive result, and
/// answers with `n`.
#[wamp::register("com.math.count_to", component = "math")]
pub async fn count_to(n: u32, progress: Progress<u32>) -> u32 {
    for i in 1..=n {
        let _ = progress.send(&i).await;
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    n
}

/// An announcement published on `com.math.announcement`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Announcement {
    /// Who announces.
    pub from: String,
    /// What is announced.
    pub text: String,
}

/// Announcements to every user of the math service.
#[wamp::subscribe("com.math.announcement", component = "math")]
pub fn on_announcement(announcement: Announcement) {
    println!(
        "service: {} announces {:?}",
        announcement.from, announcement.text
    );
}

#[allow(dead_code)] // the docs tests include this file as a module
#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Logs (connections, retries, registrations) on stderr: info by default,
    // `RUST_LOG=debug` (or any filter) for more.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    use std::process::ExitCode;
    use wamp::docs::DocsOutcome;

    // `--print-schema json|md|html|asyncapi` or `--write-docs DIR`: print or
    // write the docs and stop, before starting anything.
    let info = wamp::docs::Info::new("Math service", env!("CARGO_PKG_VERSION"))
        .description("Arithmetic and statistics over WAMP: the documented example service.");
    match wamp::client::handle_docs_cli(&info) {
        Ok(DocsOutcome::NotRequested) => {}
        Ok(DocsOutcome::Written(files)) => {
            for file in files {
                println!("{}", file.display());
            }
            return ExitCode::SUCCESS;
        }
        Ok(_) => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(e.exit_code());
        }
    }
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("math_service: {e}");
            ExitCode::FAILURE
        }
    }
}

#[allow(dead_code)]
async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    use wamp::client::JoinConfig;
    use wamp::router::{RealmConfig, Router};

    let (router, addr) = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .start("127.0.0.1:0")
        .await?;
    println!("router: ws://{addr}/ws, realm1");
    let docs = router.serve_docs("127.0.0.1:0").await?;
    println!("live API docs: http://{docs}/realm1/ (and /realm1/catalog.json)");
    // `on_join` runs once everything is registered and subscribed.
    let (ready_tx, mut ready) = tokio::sync::mpsc::unbounded_channel();
    let service = wamp::Component::builder("realm1")
        .name("math")
        .transport(&format!("rs://{addr}"))
        .collected_component("math")
        .on_join(move |_session| {
            let ready_tx = ready_tx.clone();
            async move {
                let _ = ready_tx.send(());
            }
        })
        .build();
    let (stop, running) = service.start();

    let transport =
        wamp::transport::connect(&format!("ws://{addr}/ws"), &Default::default()).await?;
    let client = wamp::Session::join(transport, JoinConfig::new("realm1")).await?;
    ready.recv().await;
    // The typed callers the macro generated beside each function
    // (`add::call`, ...): arguments and results checked by the compiler.
    let sum: i64 = add::call(&client, 2, 3).await?;
    println!("client: com.math.add(2, 3) = {sum}");
    let stats: Stats = stats::call(&client, vec![1.0, 2.0, 6.0]).await?;
    println!("client: com.math.stats([1, 2, 6]) = {stats:?}");
    let err = divide::call(&client, 1.0, 0.0).await.unwrap_err();
    println!("client: com.math.divide(1, 0) failed with {}", err.uri());
    let procedures: Vec<String> = client
        .call("wamp.reflection.procedure.list", &())
        .await?
        .get()?;
    println!("client: wamp.reflection.procedure.list = {procedures:?}");
    let add: serde_json::Value = client
        .call("wamp.reflection.procedure.describe", &("com.math.add",))
        .await?
        .get()?;
    println!(
        "client: wamp.reflection.procedure.describe(com.math.add): doc {:?}, args {}",
        add["doc"], add["args"]
    );
    let hello = Announcement {
        from: "client".into(),
        text: "hello".into(),
    };
    on_announcement::publish(&client, &hello).await?;
    tokio::time::sleep(Duration::from_millis(100)).await;
    client.leave().await;
    if std::env::args().any(|a| a == "--serve") {
        println!("serving");
        serve_until_stopped().await;
    }
    stop.stop();
    running.await??;
    router.shutdown();
    Ok(())
}

/// With `--serve`, the service keeps serving after the demo (it prints
/// `serving`) until Ctrl-C or SIGTERM, for clients in other processes:
/// `cargo run -p wamp-examples --bin math_service -- --serve`.
#[allow(dead_code)]
async fn serve_until_stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
