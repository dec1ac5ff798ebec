//! End-to-end Pub/Sub: `Session::publish` (not acknowledged) → router →
//! `#[wamp::subscribe]` functions, one [`Component`](wamp::Component) (one
//! session) per subscriber.
//!
//! Publication `i` carries `(i,)`; each subscriber's function checks that
//! it gets every event, in order, exactly once, into its own [`Tally`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use wamp::{SerializerKind, State};

use super::serve;
use crate::peer::{BenchError, RECV_TIMEOUT};
use crate::stats::Sample;

/// The prefix the benchmark's topic is collected under; each run subscribes
/// it under a fresh prefix.
const COLLECTED: &str = "bench.e2e.pubsub.";

/// What one subscriber saw (the state of its component; the benchmark keeps a
/// clone).
#[derive(Debug, Clone)]
pub(crate) struct Tally(Arc<TallyInner>);

#[derive(Debug)]
struct TallyInner {
    /// Events due.
    n: u64,
    /// The event at which the measured window starts.
    warm: u64,
    /// The next event due (= events seen, while all is well).
    next: AtomicU64,
    /// When event `warm` and event `n - 1` arrived.
    window: Mutex<(Option<Instant>, Option<Instant>)>,
    /// The first thing that went wrong.
    error: Mutex<Option<String>>,
    /// Woken when the last event arrives or something goes wrong.
    done: Notify,
}

impl Tally {
    fn new(n: u64, warm: u64) -> Tally {
        Tally(Arc::new(TallyInner {
            n,
            warm,
            next: AtomicU64::new(0),
            window: Mutex::new((None, None)),
            error: Mutex::new(None),
            done: Notify::new(),
        }))
    }

    /// Records event `i`: it must be the next one due.
    fn record(&self, i: u64) {
        let t = &self.0;
        if t.error.lock().expect("tally").is_some() {
            return;
        }
        let due = t.next.load(Ordering::Relaxed);
        if i != due || i >= t.n {
            self.fail(format!(
                "event {i} arrived where {due} was due (lost, reordered or extra)"
            ));
            return;
        }
        t.next.store(due + 1, Ordering::Relaxed);
        if i == t.warm || i == t.n - 1 {
            let now = Instant::now();
            let mut window = t.window.lock().expect("tally");
            if i == t.warm {
                window.0 = Some(now);
            }
            if i == t.n - 1 {
                window.1 = Some(now);
                t.done.notify_one();
            }
        }
    }

    fn fail(&self, error: String) {
        self.0.error.lock().expect("tally").get_or_insert(error);
        self.0.done.notify_one();
    }

    /// Waits until every event arrived; fails on a wrong event or when none
    /// arrives for [`RECV_TIMEOUT`].
    async fn finished(&self) -> Result<(Instant, Instant), BenchError> {
        let t = &self.0;
        let mut seen = t.next.load(Ordering::Relaxed);
        let mut idle_since = Instant::now();
        loop {
            if let Some(e) = t.error.lock().expect("tally").clone() {
                return Err(e);
            }
            if let (Some(first), Some(last)) = *t.window.lock().expect("tally") {
                return Ok((first, last));
            }
            let _ = tokio::time::timeout(Duration::from_millis(500), t.done.notified()).await;
            let now_seen = t.next.load(Ordering::Relaxed);
            if now_seen != seen {
                seen = now_seen;
                idle_since = Instant::now();
            } else if idle_since.elapsed() > RECV_TIMEOUT {
                return Err(format!(
                    "{seen} of {} events arrived, then none for {RECV_TIMEOUT:?}",
                    t.n
                ));
            }
        }
    }
}

/// Checks and counts one event for this subscriber.
#[wamp::subscribe("bench.e2e.pubsub.tick")]
async fn tick(i: u64, tally: State<Tally>) {
    tally.record(i);
}

/// Publishes `n` events to `count` subscribers; measures deliveries at the
/// subscribers from event `warm` on.
pub(crate) async fn run(
    url: &str,
    kind: SerializerKind,
    id: usize,
    n: u64,
    warm: u64,
    count: usize,
) -> Result<Sample, BenchError> {
    let prefix = format!("bench.e2e.pubsub.r{id}.");
    let topic = format!("{prefix}tick");
    let mut tallies = Vec::new();
    let mut subscribers = Vec::new();
    for _ in 0..count {
        let tally = Tally::new(n, warm);
        let component = serve::component(url, kind, COLLECTED, &prefix, tally.clone());
        subscribers.push(serve::start(component).await?);
        tallies.push(tally);
    }
    let publisher = serve::join(url, kind).await?;
    let published = async {
        for i in 0..n {
            publisher
                .publish(&topic, &(i,))
                .await
                .map_err(|e| format!("publish {i}: {e}"))?;
        }
        Ok::<_, BenchError>(())
    }
    .await;
    let mut window: Option<(Instant, Instant)> = None;
    let mut received = Ok(());
    if published.is_ok() {
        for tally in &tallies {
            match tally.finished().await {
                Ok((first, last)) => {
                    window =
                        Some(window.map_or((first, last), |(f, l)| (f.min(first), l.max(last))));
                }
                Err(e) => {
                    received = Err(e);
                    break;
                }
            }
        }
    }
    publisher.leave().await;
    for subscriber in subscribers {
        subscriber.stop().await?;
    }
    published?;
    received?;
    let (first, last) = window.ok_or("no subscriber")?;
    let delivered = (n - warm - 1) * count as u64;
    Ok(Sample {
        rate: delivered as f64 / (last - first).as_secs_f64().max(1e-9),
        latency: None,
    })
}
