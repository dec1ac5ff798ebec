//! RPC through the router: a callee that adds two numbers, and a caller with
//! one call in flight (sequential) or a window of calls in flight (pipelined,
//! with a batching writer and a reader running side by side).
//!
//! Call `i` (request ID `i + 1`) sends `[i, 2]`; its RESULT must be `[i + 2]`.

use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::sync::Semaphore;
use wamp::protocol::{Call, Message, Yield};
use wamp::{Payload, SerializerKind};

use crate::peer::{BenchError, Peer, recv, uri};
use crate::stats::{Sample, percentiles};

/// The pipelined caller flushes after this many CALLs (or when its window is full).
const FLUSH_EVERY: usize = 16;

/// The callee's reply to one frame, or `None` for a frame to ignore.
fn answer(kind: SerializerKind, frame: bytes::Bytes) -> Result<bytes::Bytes, BenchError> {
    let msg = kind
        .decode(frame)
        .map_err(|e| format!("callee decode: {e}"))?;
    let Message::Invocation(inv) = msg else {
        return Err(format!("callee expected INVOCATION, got {msg:?}"));
    };
    let (a, b): (i64, i64) = inv
        .payload
        .args()
        .map_err(|e| format!("callee args: {e}"))?;
    let payload = Payload::encode_args(kind, &[a + b]).map_err(|e| e.to_string())?;
    kind.encode(&Message::Yield(Yield {
        request: inv.request,
        options: Default::default(),
        payload,
    }))
    .map_err(|e| e.to_string())
}

/// Serves INVOCATIONs until the transport closes: answers everything already
/// readable, then flushes once.
pub(crate) async fn callee(mut peer: Peer) -> Result<(), BenchError> {
    while let Some(frame) = peer.stream.next().await {
        let frame = frame.map_err(|e| format!("callee read: {e}"))?;
        let reply = answer(peer.kind, frame)?;
        peer.sink.feed(reply).await.map_err(|e| e.to_string())?;
        while let Some(Some(frame)) = peer.stream.next().now_or_never() {
            let frame = frame.map_err(|e| format!("callee read: {e}"))?;
            let reply = answer(peer.kind, frame)?;
            peer.sink.feed(reply).await.map_err(|e| e.to_string())?;
        }
        peer.sink.flush().await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn call_frame(
    kind: SerializerKind,
    procedure: &wamp::protocol::Uri,
    i: u64,
) -> Result<bytes::Bytes, BenchError> {
    let payload = Payload::encode_args(kind, &(i as i64, 2i64)).map_err(|e| e.to_string())?;
    kind.encode(&Message::Call(Call::new(i + 1, procedure.clone(), payload)))
        .map_err(|e| e.to_string())
}

/// Checks a RESULT and returns the index of its call.
fn check_result(msg: Message, n: u64) -> Result<u64, BenchError> {
    let Message::Result(r) = msg else {
        return Err(format!("caller expected RESULT, got {msg:?}"));
    };
    let i = r.request.wrapping_sub(1);
    if i >= n {
        return Err(format!("RESULT for unknown request {}", r.request));
    }
    let (sum,): (i64,) = r.payload.args().map_err(|e| format!("result args: {e}"))?;
    if sum != i as i64 + 2 {
        return Err(format!(
            "wrong result for call {i}: {sum}, expected {}",
            i + 2
        ));
    }
    Ok(i)
}

/// `n` calls, one at a time; the first `warm` are not measured.
pub(crate) async fn sequential(
    mut caller: Peer,
    procedure: &str,
    n: u64,
    warm: u64,
) -> Result<Sample, BenchError> {
    let procedure = uri(procedure);
    let mut latencies = Vec::with_capacity((n - warm) as usize);
    let mut started = Instant::now();
    for i in 0..n {
        if i == warm {
            started = Instant::now();
        }
        let frame = call_frame(caller.kind, &procedure, i)?;
        let t0 = Instant::now();
        caller.sink.send(frame).await.map_err(|e| e.to_string())?;
        let got = check_result(caller.recv().await?, n)?;
        if got != i {
            return Err(format!("RESULT for call {got} while waiting for {i}"));
        }
        if i >= warm {
            latencies.push(t0.elapsed());
        }
    }
    let window = started.elapsed();
    Ok(Sample {
        rate: (n - warm) as f64 / window.as_secs_f64(),
        latency: Some(percentiles(latencies)),
    })
}

/// `n` calls with up to `window` in flight; the first `warm` results are not measured.
pub(crate) async fn pipelined(
    caller: Peer,
    procedure: &str,
    n: u64,
    warm: u64,
    window: usize,
) -> Result<Sample, BenchError> {
    let Peer {
        mut sink,
        mut stream,
        kind,
    } = caller;
    let procedure = uri(procedure);
    let permits = Semaphore::new(window);
    let sent_at = RefCell::new(vec![None::<Instant>; n as usize]);
    let failed = Cell::new(false);

    let writer = async {
        let mut unflushed = 0;
        for i in 0..n {
            if failed.get() {
                break;
            }
            match permits.try_acquire() {
                Ok(p) => p.forget(),
                Err(_) => {
                    if unflushed > 0 {
                        sink.flush().await.map_err(|e| e.to_string())?;
                        unflushed = 0;
                    }
                    permits.acquire().await.map_err(|e| e.to_string())?.forget();
                }
            }
            let frame = call_frame(kind, &procedure, i)?;
            sent_at.borrow_mut()[i as usize] = Some(Instant::now());
            sink.feed(frame).await.map_err(|e| e.to_string())?;
            unflushed += 1;
            if unflushed == FLUSH_EVERY {
                sink.flush().await.map_err(|e| e.to_string())?;
                unflushed = 0;
            }
        }
        sink.flush().await.map_err(|e| e.to_string())?;
        Ok::<_, BenchError>(sink)
    };

    let reader = async {
        let result = async {
            let mut latencies = Vec::with_capacity((n - warm) as usize);
            let mut seen = vec![false; n as usize];
            let mut started = Instant::now();
            for k in 0..n {
                let i = check_result(recv(&mut stream, kind).await?, n)?;
                let now = Instant::now();
                if std::mem::replace(&mut seen[i as usize], true) {
                    return Err(format!("second RESULT for call {i}"));
                }
                if k == warm {
                    started = now;
                }
                if k >= warm {
                    let sent = sent_at.borrow()[i as usize].ok_or("RESULT before its CALL")?;
                    latencies.push(now - sent);
                }
                permits.add_permits(1);
            }
            let elapsed = started.elapsed();
            Ok::<_, BenchError>(Sample {
                rate: (n - warm - 1) as f64 / elapsed.as_secs_f64().max(1e-9),
                latency: Some(percentiles(latencies)),
            })
        }
        .await;
        if result.is_err() {
            failed.set(true);
            permits.add_permits(window);
        }
        result
    };

    let (written, sample) = tokio::join!(writer, reader);
    let sample = sample?;
    let _sink = written?;
    Ok(sample)
}

/// How long a case may take before it is abandoned.
pub(crate) const CASE_TIMEOUT: Duration = Duration::from_secs(120);
