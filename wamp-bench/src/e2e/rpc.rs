//! End-to-end RPC: `Session::call` → router → a `#[wamp::register]` function
//! served by a [`Component`](wamp::Component).
//!
//! Call `i` sends `(i, 2)` and must return `i + 2`; the callee counts its
//! invocations, which must come to exactly `n`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use wamp::{SerializerKind, State};

use super::serve;
use crate::peer::BenchError;
use crate::stats::{Sample, percentiles};

/// The prefix the benchmark's procedure is collected under; each run serves it
/// under a fresh prefix.
const COLLECTED: &str = "bench.e2e.rpc.";

/// How many times the callee ran (the component's state; the benchmark keeps
/// a clone to read it).
#[derive(Debug, Default, Clone)]
pub(crate) struct Invocations(Arc<AtomicU64>);

/// Adds two numbers (and counts the invocation).
#[wamp::register("bench.e2e.rpc.add2")]
async fn add2(a: i64, b: i64, invocations: State<Invocations>) -> Result<i64, wamp::Error> {
    invocations.0.0.fetch_add(1, Ordering::Relaxed);
    Ok(a + b)
}

/// Checks call `i`'s answer.
fn check(i: u64, answer: Result<wamp::CallResult, wamp::Error>) -> Result<(), BenchError> {
    let sum: i64 = answer
        .map_err(|e| format!("call {i} failed: {e}"))?
        .get()
        .map_err(|e| format!("call {i}: undecodable result: {e}"))?;
    if sum != i as i64 + 2 {
        return Err(format!(
            "wrong result for call {i}: {sum}, expected {}",
            i + 2
        ));
    }
    Ok(())
}

/// `n` calls with up to `window` in flight from one session (1: sequential,
/// each awaited in turn); the first `warm` answers are not measured.
pub(crate) async fn run(
    url: &str,
    kind: SerializerKind,
    id: usize,
    n: u64,
    warm: u64,
    window: usize,
) -> Result<Sample, BenchError> {
    let prefix = format!("bench.e2e.rpc.r{id}.");
    let procedure = format!("{prefix}add2");
    let invocations = Invocations::default();
    let callee = serve::component(url, kind, COLLECTED, &prefix, invocations.clone());
    let callee = serve::start(callee).await?;
    let caller = serve::join(url, kind).await?;
    let calls = if window == 1 {
        sequential(&caller, &procedure, n, warm).await
    } else {
        pipelined(&caller, &procedure, n, warm, window).await
    };
    caller.leave().await;
    callee.stop().await?;
    let sample = calls?;
    let ran = invocations.0.load(Ordering::Relaxed);
    if ran != n {
        return Err(format!("the callee ran {ran} times for {n} calls"));
    }
    Ok(sample)
}

/// One call at a time.
async fn sequential(
    caller: &wamp::Session,
    procedure: &str,
    n: u64,
    warm: u64,
) -> Result<Sample, BenchError> {
    let mut latencies = Vec::with_capacity((n - warm) as usize);
    let mut started = Instant::now();
    for i in 0..n {
        if i == warm {
            started = Instant::now();
        }
        let t0 = Instant::now();
        let answer = caller.call(procedure, &(i as i64, 2i64)).await;
        check(i, answer)?;
        if i >= warm {
            latencies.push(t0.elapsed());
        }
    }
    let elapsed = started.elapsed();
    Ok(Sample {
        rate: (n - warm) as f64 / elapsed.as_secs_f64().max(1e-9),
        latency: Some(percentiles(latencies)),
    })
}

/// Up to `window` calls in flight: `call` futures in a `FuturesUnordered`,
/// topped up as answers arrive.
async fn pipelined(
    caller: &wamp::Session,
    procedure: &str,
    n: u64,
    warm: u64,
    window: usize,
) -> Result<Sample, BenchError> {
    let mut latencies = Vec::with_capacity((n - warm) as usize);
    let mut seen = vec![false; n as usize];
    let mut in_flight = FuturesUnordered::new();
    let mut next = 0u64;
    let mut started = Instant::now();
    for k in 0..n {
        while in_flight.len() < window && next < n {
            let i = next;
            next += 1;
            let call = caller.call(procedure, &(i as i64, 2i64));
            let t0 = Instant::now();
            in_flight.push(async move { (i, t0, call.await) });
        }
        let (i, t0, answer) = in_flight
            .next()
            .await
            .ok_or("no call in flight while answers are due")?;
        let now = Instant::now();
        check(i, answer)?;
        if std::mem::replace(&mut seen[i as usize], true) {
            return Err(format!("second answer for call {i}"));
        }
        if k == warm {
            started = now;
        }
        if k >= warm {
            latencies.push(now - t0);
        }
    }
    let elapsed = started.elapsed();
    Ok(Sample {
        rate: (n - warm - 1) as f64 / elapsed.as_secs_f64().max(1e-9),
        latency: Some(percentiles(latencies)),
    })
}
