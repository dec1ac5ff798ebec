//! End-to-end cases: the framework as users write it. Calls go through
//! `wamp::Session::call` to a `#[wamp::register]` function served by a
//! `wamp::Component`; events go from `Session::publish` to
//! `#[wamp::subscribe]` functions, one component per subscriber. All of
//! them (caller, callee, publisher, subscribers) run on the clients' thread,
//! as in one user process; the router keeps its own thread.
//!
//! Each case is run alternately on three set-ups, in the same run: the hub
//! with raw peers (the loopback limit), the router with raw peers (the same
//! case as the raw table), and the router with the client runtime (`e2e`).
//! The table gives e2e / hub and e2e / router-raw.

mod pubsub;
mod rpc;
mod serve;

use crate::cases::{Case, Traffic};
use crate::peer::BenchError;
use crate::router_thread::RouterThread;
use crate::stats::{Sample, Summary, short, summarize};

/// Run IDs of the end-to-end cases start here (fresh URIs, apart from the
/// raw table's).
const FIRST_ID: usize = 1_000_000;

/// The name of an end-to-end case (the raw table's cases, as e2e), e.g. `ws json e2e rpc w100`.
pub(crate) fn name(case: Case) -> String {
    format!(
        "{} {} e2e {}",
        case.transport(),
        case.serializer,
        case.traffic.name()
    )
}

/// Whether a case named `name` is selected by `--filter`: its name contains
/// `filter`, or, for a filter ending in `$`, ends with the rest (`x1$` leaves
/// out `x10`).
pub(crate) fn matches(name: &str, filter: &str) -> bool {
    match filter.strip_suffix('$') {
        Some(end) => name.ends_with(end),
        None => name.contains(filter),
    }
}

/// Messages per run: as the raw table, but half as many sequential calls.
fn default_n(traffic: Traffic, quick: bool) -> u64 {
    match traffic {
        Traffic::Rpc(1) => traffic.default_n(quick) / 2,
        _ => traffic.default_n(quick),
    }
}

/// One end-to-end run of `case` on the router at `addr`.
pub(crate) async fn run_once(
    addr: std::net::SocketAddr,
    case: Case,
    n: u64,
    id: usize,
) -> Result<Sample, BenchError> {
    let url = case.url(addr);
    let warm = n / 20;
    match case.traffic {
        Traffic::Rpc(window) => rpc::run(&url, case.serializer, id, n, warm, window).await,
        Traffic::Fanout(count) => pubsub::run(&url, case.serializer, id, n, warm, count).await,
    }
}

/// One end-to-end run within [`crate::rpc::CASE_TIMEOUT`].
pub(crate) async fn measure(
    router: &RouterThread,
    case: Case,
    n: u64,
    id: usize,
) -> Result<Sample, BenchError> {
    let timeout = crate::rpc::CASE_TIMEOUT;
    tokio::time::timeout(timeout, run_once(router.addr, case, n, id))
        .await
        .map_err(|_| format!("{}: did not finish within {timeout:?}", name(case)))?
        .map_err(|e| format!("{}: {e}", name(case)))
}

fn print_header() {
    println!(
        "| transport | serializer | case | unit | runs×n | hub (limit) | router raw | e2e | e2e min–max | e2e / hub | e2e / router raw | hub p50 µs | e2e p50 µs | e2e p99 µs |"
    );
    println!("|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
}

fn print_row(case: Case, n: u64, runs: usize, hub: &Summary, raw: &Summary, e2e: &Summary) {
    let p50 = |s: &Summary| s.latency.map_or("-".into(), |(p50, _)| format!("{p50:.0}"));
    let p99 = e2e
        .latency
        .map_or("-".into(), |(_, p99)| format!("{p99:.0}"));
    // A set-up that did not run (`--e2e-alone`) has a zero rate.
    let ratio = |of: &Summary| {
        if of.rate > 0.0 {
            format!("{:.0} %", 100.0 * e2e.rate / of.rate)
        } else {
            "-".into()
        }
    };
    println!(
        "| {} | {} | e2e {} | {} | {}×{} | {} | {} | {} | {}–{} | {} | {} | {} | {} | {} |",
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
        short(raw.rate),
        short(e2e.rate),
        short(e2e.min),
        short(e2e.max),
        ratio(hub),
        ratio(raw),
        p50(hub),
        p50(e2e),
        p99,
    );
}

/// Runs the end-to-end cases matching `filter` (`runs` times each, rotating
/// which set-up goes first) and prints their table; `Ok(false)` when none
/// matches. `alone` runs only the end-to-end set-up (for profiling; no ratios).
pub(crate) async fn bench(
    filter: Option<&str>,
    n: Option<u64>,
    runs: usize,
    quick: bool,
    alone: bool,
    hub: &RouterThread,
    router: &RouterThread,
) -> Result<bool, BenchError> {
    let selected: Vec<Case> = crate::cases::cases()
        .into_iter()
        .filter(|c| filter.is_none_or(|f| matches(&name(*c), f)))
        .collect();
    if selected.is_empty() {
        return Ok(false);
    }
    println!();
    print_header();
    let mut id = FIRST_ID;
    for case in selected {
        let n = n.unwrap_or(default_n(case.traffic, quick)).max(100);
        let mut samples: [Vec<Sample>; 3] = Default::default();
        for run in 0..runs {
            for k in 0..3 {
                let setup = (run + k) % 3;
                if alone && setup != 2 {
                    continue;
                }
                id += 1;
                let sample = match setup {
                    0 => crate::cases::measure(hub, "hub", case, n, id).await?,
                    1 => crate::cases::measure(router, "router", case, n, id).await?,
                    _ => measure(router, case, n, id).await?,
                };
                samples[setup].push(sample);
            }
        }
        let [on_hub, raw, e2e] = samples.map(|s| summarize(&s));
        print_row(case, n, runs, &on_hub, &raw, &e2e);
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_select_by_name() {
        assert!(matches("ws json e2e pubsub x10", "e2e"));
        assert!(matches("ws json e2e pubsub x10", "pubsub x1"));
        assert!(!matches("ws json e2e pubsub x10", "pubsub x1$"));
        assert!(matches("ws json e2e pubsub x1", "pubsub x1$"));
        assert!(!matches("ws json pubsub x1", "e2e"));
    }
}
