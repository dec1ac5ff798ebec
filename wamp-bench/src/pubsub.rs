//! Pub/Sub through the router: one publisher (no acknowledge, batched writes)
//! and some subscribers that each check every event.
//!
//! Publication `i` carries `[i]`; every subscriber must receive all of them, in
//! order, exactly once. Subscribers check each EVENT with the hub's borrowed
//! parse (message type, subscription ID, the one argument) rather than the
//! full codec: with 10 subscribers on the clients' one thread, full decoding
//! made the clients, not the server, the bound.

use std::time::Instant;

use futures_util::SinkExt;
use wamp::protocol::{Message, Publish};
use wamp::{Payload, SerializerKind};

use crate::hub::parse::{split, uint};
use crate::peer::{BenchError, Peer, recv_frame, uri};
use crate::stats::Sample;

/// The publisher flushes after this many PUBLISHes.
const FLUSH_EVERY: u64 = 64;

/// When one subscriber saw its first measured and its last event.
struct Window {
    first: Instant,
    last: Instant,
}

/// Checks that `frame` is an EVENT `[36, subscription, _, {}, [i]]` and returns `i`.
fn event_arg(kind: SerializerKind, frame: &[u8], subscription: u64) -> Result<u64, BenchError> {
    let bad = || format!("subscriber expected an EVENT with one argument, got {frame:?}");
    let fields = split(kind, frame).ok_or_else(bad)?;
    let int = |i: usize| fields.get(i).and_then(|f| uint(kind, f));
    if int(0) != Some(36) || fields.rest(4).len() != 1 {
        return Err(bad());
    }
    if int(1) != Some(subscription) {
        return Err(format!("EVENT for subscription {:?}", int(1)));
    }
    let args = fields.get(4).and_then(|a| split(kind, a)).ok_or_else(bad)?;
    match (args.get(0).and_then(|a| uint(kind, a)), args.get(1)) {
        (Some(i), None) => Ok(i),
        _ => Err(bad()),
    }
}

/// Receives `n` events on `subscription` and checks them; the window starts at
/// event `warm`.
async fn subscriber(
    mut peer: Peer,
    subscription: u64,
    n: u64,
    warm: u64,
) -> Result<Window, BenchError> {
    let mut first = Instant::now();
    let mut sum: u64 = 0;
    for expected in 0..n {
        let frame = recv_frame(&mut peer.stream)
            .await
            .map_err(|e| format!("after {expected} events: {e}"))?;
        let i = event_arg(peer.kind, &frame, subscription)?;
        if i != expected {
            return Err(format!(
                "event {i} arrived where {expected} was due (lost or reordered)"
            ));
        }
        sum += i;
        if expected == warm {
            first = Instant::now();
        }
    }
    let last = Instant::now();
    if sum != n * (n - 1) / 2 {
        return Err(format!("event sum {sum} is wrong"));
    }
    Ok(Window { first, last })
}

/// Publishes `n` events to `subscribers` subscribers; measures deliveries at
/// the subscribers from event `warm` on.
pub(crate) async fn fanout(
    mut publisher: Peer,
    subscribers: Vec<Peer>,
    topic: &str,
    n: u64,
    warm: u64,
) -> Result<Sample, BenchError> {
    let mut receivers = Vec::new();
    for mut peer in subscribers {
        let subscription = peer.subscribe(topic).await?;
        receivers.push(tokio::spawn(subscriber(peer, subscription, n, warm)));
    }
    let topic = uri(topic);
    let kind = publisher.kind;
    let publish = async {
        for i in 0..n {
            let payload = Payload::encode_args(kind, &[i]).map_err(|e| e.to_string())?;
            let frame = kind
                .encode(&Message::Publish(Publish::new(
                    i + 1,
                    topic.clone(),
                    payload,
                )))
                .map_err(|e| e.to_string())?;
            publisher
                .sink
                .feed(frame)
                .await
                .map_err(|e| e.to_string())?;
            if (i + 1) % FLUSH_EVERY == 0 {
                publisher.sink.flush().await.map_err(|e| e.to_string())?;
            }
        }
        publisher.sink.flush().await.map_err(|e| e.to_string())
    };
    publish.await.map_err(|e| format!("publisher: {e}"))?;
    let count = receivers.len() as u64;
    let mut first: Option<Instant> = None;
    let mut last: Option<Instant> = None;
    for r in receivers {
        let w = r.await.map_err(|e| e.to_string())??;
        first = Some(first.map_or(w.first, |f| f.min(w.first)));
        last = Some(last.map_or(w.last, |l| l.max(w.last)));
    }
    let (Some(first), Some(last)) = (first, last) else {
        return Err("no subscriber".into());
    };
    drop(publisher);
    let delivered = (n - warm - 1) * count;
    Ok(Sample {
        rate: delivered as f64 / (last - first).as_secs_f64().max(1e-9),
        latency: None,
    })
}
