//! The component of the chaos tests (`tests/chaos.rs`), written as a user
//! writes one: annotated functions served by a [`wamp::Component`] that keeps
//! itself joined.
//!
//! ```sh
//! chaos-component --url ws://127.0.0.1:8080/ws --name a --prefix chaos.a.
//! chaos-component --url ws://127.0.0.1:8080/ws --name p1 --pool
//! ```
//!
//! Without `--pool` it serves `chaos.work` and `chaos.tick` under `--prefix`
//! (single registration: one callee per URI); with `--pool` it serves
//! `pool.work`, registered with `invoke = "roundrobin"` so that several
//! processes share it.
//!
//! Stdout is its report to the test, one JSON object per line, flushed at
//! once: `{"ready": true, ...}` after each join once everything is registered
//! and subscribed, `{"exec": ID, ...}` when a call starts executing, and
//! `{"event": N, ...}` for each event received. Logs go to stderr.

use std::io::Write as _;
use std::time::Duration;

use clap::Parser;
use wamp::client::{RetryPolicy, TransportConfig};
use wamp::transport::ClientOptions;
use wamp::{Component, Session, State};

/// Command line of the chaos component.
#[derive(Debug, Parser)]
struct Args {
    /// Router URL (`ws://`, `rs://`).
    #[arg(long)]
    url: String,
    /// Realm to join.
    #[arg(long, default_value = "realm1")]
    realm: String,
    /// Instance name, reported with every line.
    #[arg(long)]
    name: String,
    /// URI prefix that replaces `chaos.` (single registrations).
    #[arg(long, default_value = "chaos.")]
    prefix: String,
    /// Serve the shared `pool.work` (roundrobin) instead.
    #[arg(long)]
    pool: bool,
    /// First reconnection delay in milliseconds (default: the library's).
    #[arg(long)]
    retry_initial_ms: Option<u64>,
    /// Largest reconnection delay in milliseconds (default: the library's).
    #[arg(long)]
    retry_max_ms: Option<u64>,
    /// Fixed delay between retries of a refused registration, in
    /// milliseconds (default: the library's `RetryPolicy::registration`).
    #[arg(long)]
    register_retry_ms: Option<u64>,
}

/// Who this process is.
struct Instance {
    name: String,
}

impl Instance {
    /// Writes one report line to stdout at once (a killed process loses nothing
    /// it reported).
    fn report(&self, mut line: serde_json::Value) {
        line["instance"] = self.name.clone().into();
        let mut out = std::io::stdout().lock();
        if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
            tracing::warn!("cannot write the report line {line}");
        }
    }
}

/// Executes call `id`: reports it, works for `work_ms` milliseconds, answers
/// with the instance name.
#[wamp::register("chaos.work")]
async fn work(id: u64, work_ms: Option<u64>, me: State<Instance>) -> String {
    execute(id, work_ms, &me).await
}

/// The same work, on a registration shared round-robin by every instance.
#[wamp::register("pool.work", invoke = "roundrobin")]
async fn pool_work(id: u64, work_ms: Option<u64>, me: State<Instance>) -> String {
    execute(id, work_ms, &me).await
}

/// Reports event `n`.
#[wamp::subscribe("chaos.tick")]
async fn tick(n: u64, me: State<Instance>) {
    me.report(serde_json::json!({ "event": n }));
}

async fn execute(id: u64, work_ms: Option<u64>, me: &Instance) -> String {
    me.report(serde_json::json!({ "exec": id }));
    tokio::time::sleep(Duration::from_millis(work_ms.unwrap_or(0))).await;
    me.name.clone()
}

#[tokio::main]
async fn main() -> Result<(), wamp::Error> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let mut retry = RetryPolicy::default();
    if let Some(ms) = args.retry_initial_ms {
        retry.initial_delay = Duration::from_millis(ms);
    }
    if let Some(ms) = args.retry_max_ms {
        retry.max_delay = Duration::from_millis(ms);
    }
    let transport = TransportConfig::url(&args.url, ClientOptions::default()).retry(retry);
    let builder = Component::builder(&args.realm)
        .name(&args.name)
        .transport_config(transport)
        .state(Instance {
            name: args.name.clone(),
        });
    let builder = match args.register_retry_ms {
        Some(ms) => builder.register_retry(RetryPolicy::fixed(Duration::from_millis(ms))),
        None => builder,
    };
    let builder = if args.pool {
        builder.collected_prefix("pool.")
    } else {
        builder.collected_renamed("chaos.", &args.prefix)
    };
    let component = builder
        .on_join(|session: Session| async move {
            let me = session.state::<Instance>().expect("the instance state");
            me.report(serde_json::json!({ "ready": true, "session": session.id() }));
        })
        .build();
    wamp::run(vec![component]).await
}
