//! `wamp-bench`: measures the embedded router over loopback against the
//! machine's limit, measured in the same run.
//!
//! ```text
//! cargo run --release -p wamp-bench -- [--n N] [--runs R] [--quick] [--filter TEXT] [--router-process]
//! ```
//!
//! Two servers run side by side, each on its own current_thread runtime on a
//! dedicated thread: the router, and a minimal hand-written relay hub (`hub`)
//! that gives the loopback limit of this machine. The clients (raw WAMP peers
//! on `wamp::transport`) run on a third current_thread runtime. For JSON and
//! MessagePack over WebSocket and RawSocket it measures RPC with 1 and 100
//! calls in flight (calls/s, latency p50/p99) and events/s delivered to 1 and
//! 10 subscribers, alternating hub and router runs, and prints both medians and
//! their ratio (router / hub). Every result and every event is checked on both
//! servers, so neither can report a speed while routing wrongly.
//!
//! A second table (`e2e`, see `e2e/`) measures the same cases as users write
//! them: `Session::call`/`publish` to `#[wamp::register]`/`#[wamp::subscribe]`
//! functions served by a `Component`, against the same-run hub and router raw
//! figures.

mod cases;
mod e2e;
mod hub;
mod peer;
mod pubsub;
mod router_thread;
mod rpc;
mod scale;
mod stats;

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

use cases::{Case, Traffic, cases, measure};
use peer::BenchError;
use router_thread::{RouterThread, Server};
use stats::{Summary, short, summarize};

/// Loopback benchmark of the embedded WAMP router.
#[derive(Debug, Parser)]
#[command(about)]
struct Cli {
    /// Messages per run for every case (calls, or publishes for fan-out).
    /// Default: 20,000 sequential calls, 100,000 pipelined calls, 100,000 publishes.
    #[arg(long)]
    n: Option<u64>,
    /// Runs per case and server (alternating); the table shows the medians
    /// (and the router's min–max range).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// A short smoke run that checks correctness: few messages, one run per
    /// case and server (its figures mean nothing).
    #[arg(long)]
    quick: bool,
    /// Only the cases whose name contains this text (e.g. `rpc`, `x10`, `ws json`;
    /// `e2e` for the end-to-end cases only; a trailing `$` anchors the end: `x1$`).
    #[arg(long)]
    filter: Option<String>,
    /// Run the router as a separate process: the `wamp-router` binary built
    /// beside this one (`cargo build --release -p wamp-router`), with its
    /// default (multi-thread) runtime.
    #[arg(long)]
    router_process: bool,
    /// Run only the end-to-end set-up of the e2e cases, without their hub
    /// and router-raw runs (for profiling; no ratios).
    #[arg(long)]
    e2e_alone: bool,
}

/// Which traffic a case measures.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn print_row(case: Case, n: u64, runs: usize, hub: &Summary, router: &Summary) {
    let p50 = |s: &Summary| s.latency.map_or("-".into(), |(p50, _)| format!("{p50:.0}"));
    let p99 = router
        .latency
        .map_or("-".into(), |(_, p99)| format!("{p99:.0}"));
    println!(
        "| {} | {} | {} | {} | {}×{} | {} | {} | {}–{} | {:.0} % | {} | {} | {} |",
        case.transport(),
        case.serializer,
        case.traffic.name(),
        match case.traffic {
            Traffic::Rpc(_) => "calls/s",
            Traffic::Fanout(_) => "events/s",
        },
        runs,
        short(n as f64),
        short(hub.rate),
        short(router.rate),
        short(router.min),
        short(router.max),
        100.0 * router.rate / hub.rate.max(1e-9),
        p50(hub),
        p50(router),
        p99,
    );
}

async fn bench(cli: &Cli, hub: &RouterThread, router: &RouterThread) -> Result<(), BenchError> {
    let runs = if cli.quick { 1 } else { cli.runs.max(1) };
    let selected: Vec<Case> = cases()
        .into_iter()
        .filter(|c| {
            cli.filter
                .as_deref()
                .is_none_or(|f| e2e::matches(&c.name(), f))
        })
        .collect();
    if !selected.is_empty() {
        println!(
            "| transport | serializer | case | unit | runs×n | hub (limit) | router | router min–max | router / hub | hub p50 µs | router p50 µs | router p99 µs |"
        );
        println!("|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
    }
    let any_raw = !selected.is_empty();
    let mut id = 0;
    for case in selected {
        let n = cli.n.unwrap_or(case.traffic.default_n(cli.quick)).max(100);
        let (mut on_hub, mut on_router) = (Vec::new(), Vec::new());
        for run in 0..runs {
            // Alternate which server goes first, so drift hits both alike.
            let order = if run % 2 == 0 {
                [(hub, "hub"), (router, "router")]
            } else {
                [(router, "router"), (hub, "hub")]
            };
            for (server, name) in order {
                id += 1;
                let sample = measure(server, name, case, n, id).await?;
                if name == "hub" {
                    on_hub.push(sample);
                } else {
                    on_router.push(sample);
                }
            }
        }
        print_row(case, n, runs, &summarize(&on_hub), &summarize(&on_router));
    }
    let filter = cli.filter.as_deref();
    let any_e2e = e2e::bench(filter, cli.n, runs, cli.quick, cli.e2e_alone, hub, router).await?;
    if !any_raw && !any_e2e {
        return Err("no case matches --filter".into());
    }
    Ok(())
}

fn main() -> ExitCode {
    // `wamp-bench scale ...`: many idle sessions (see `scale`).
    if std::env::args().nth(1).as_deref() == Some("scale") {
        return scale::main(std::env::args().skip(1));
    }
    let cli = Cli::parse();
    let hub = match RouterThread::start(Server::Hub) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("wamp-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let router = if cli.router_process {
        RouterThread::process()
    } else {
        RouterThread::start(Server::Router)
    };
    let router = match router {
        Ok(r) => r,
        Err(e) => {
            eprintln!("wamp-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let clients = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wamp-bench: client runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "wamp-bench: hub on 127.0.0.1:{} and router on 127.0.0.1:{} ({}), clients on a third; {} CPUs; load average {}",
        hub.addr.port(),
        router.addr.port(),
        if cli.router_process {
            "the hub on its own current_thread runtime and thread, the router in a wamp-router process"
        } else {
            "each on its own current_thread runtime and thread"
        },
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    let started = Instant::now();
    let result = clients.block_on(bench(&cli, &hub, &router));
    println!(
        "done in {:.0} s; load average {}",
        started.elapsed().as_secs_f64(),
        load_average()
    );
    drop(router);
    drop(hub);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wamp-bench: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every case routes correctly through the hub (short runs).
    #[test]
    fn hub_routes_every_case() {
        let hub = RouterThread::start(Server::Hub).expect("hub starts");
        let clients = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        for (id, case) in cases().into_iter().enumerate() {
            clients
                .block_on(measure(&hub, "hub", case, 200, id))
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }

    /// Every end-to-end case runs correctly through the router (short runs).
    #[test]
    fn e2e_routes_every_case() {
        let router = RouterThread::start(Server::Router).expect("router starts");
        let clients = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        for (id, case) in cases().into_iter().enumerate() {
            clients
                .block_on(e2e::measure(&router, case, 300, id))
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
}
