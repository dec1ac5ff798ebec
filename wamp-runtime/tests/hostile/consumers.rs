//! Stalled and slow consumers under a publisher flood. A full outbox holds
//! the publisher back (bounded backpressure) while every other session keeps
//! working; a subscriber that does not read at all is disconnected after the
//! slow-consumer timeout; one that reads slowly gets every event.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpSocket;
use wamp::SerializerKind::{Cbor, Json, MsgPack};
use wamp::protocol::options::WireSubscribeOptions;
use wamp::router::{Limits, Router};

use crate::harness::*;
use crate::peer::{Peer, args};

const SLOW_CONSUMER_TIMEOUT: Duration = Duration::from_millis(1000);
const EVENT_BYTES: usize = 8 * 1024;

/// A router whose outboxes hold 64 KiB, with a 1 s slow-consumer timeout.
async fn flood_router() -> (Router, SocketAddr) {
    let limits = Limits {
        outbox_bytes: 64 * 1024,
        slow_consumer_timeout_ms: SLOW_CONSUMER_TIMEOUT.as_millis() as u64,
        ..limits()
    };
    let mut builder = Router::builder().limits(limits);
    for realm in realms() {
        builder = builder.realm(realm);
    }
    start_with(builder).await
}

/// A WebSocket JSON session on `realm1` with a 4 KiB socket receive buffer,
/// subscribed to `topic`. The caller never reads from it again.
async fn stalled_subscriber(addr: SocketAddr, topic: &str) -> (Raw, u64) {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let tcp = socket.connect(addr).await.unwrap();
    let mut raw = Raw::ws_over(tcp, addr, Json).await;
    let session = raw.join("realm1").await;
    raw.send(&wamp::Message::Subscribe(wamp::protocol::Subscribe {
        request: 1,
        options: WireSubscribeOptions::default(),
        topic: crate::peer::uri(topic),
    }))
    .await;
    match raw.next(REACTION).await {
        Reaction::Message(wamp::Message::Subscribed(_)) => {}
        other => panic!("expected SUBSCRIBED, got {other:?}"),
    }
    (raw, session)
}

/// A subscriber that reads `n` events of `topic` (sleeping `pause` after
/// each) and returns their sequence numbers, and the session (still joined).
async fn reader(
    addr: SocketAddr,
    topic: &str,
    n: u64,
    pause: Duration,
) -> tokio::task::JoinHandle<(Vec<u64>, Peer)> {
    let mut p = Peer::join_url(&rs_url(addr), Cbor).await;
    p.subscribe(topic).await;
    tokio::spawn(async move {
        let mut seen = Vec::new();
        while (seen.len() as u64) < n {
            let e = p.expect_event().await;
            let (seq, _blob): (u64, String) = e.payload.args().unwrap();
            seen.push(seq);
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
        }
        (seen, p)
    })
}

/// Publishes `n` events of [`EVENT_BYTES`] to `topic`, numbered from 0;
/// returns the time it took and the publisher (still joined).
fn flood(mut publisher: Peer, topic: String, n: u64) -> tokio::task::JoinHandle<(Duration, Peer)> {
    tokio::spawn(async move {
        let started = Instant::now();
        let blob = "e".repeat(EVENT_BYTES);
        for seq in 0..n {
            publisher
                .publish_with(&topic, Default::default(), args(MsgPack, &(seq, &blob)))
                .await;
        }
        (started.elapsed(), publisher)
    })
}

/// One call round trip between two sessions; its duration.
async fn round_trip(caller: &mut Peer, callee: &mut Peer, procedure: &str) -> Duration {
    let started = Instant::now();
    let request = caller.call(procedure, args(Json, &["x"])).await;
    let inv = callee.expect_invocation().await;
    callee.yield_(inv.request, inv.payload).await;
    caller.expect_result(request).await;
    started.elapsed()
}

/// Whether `session` is still joined, asked through the meta API.
async fn is_joined(observer: &mut Peer, session: u64) -> bool {
    observer
        .meta("wamp.session.get", vec![wamp::Value::UInt(session)])
        .await
        .is_ok()
}

#[tokio::test]
async fn stalled_subscriber_is_disconnected_and_nobody_else_waits() {
    let (_router, addr) = flood_router().await;
    let topic = "com.flood.stalled";
    let n = 1000; // 8 MB of events: far more than the stalled path can buffer
    let (_stalled, stalled_id) = stalled_subscriber(addr, topic).await;
    let healthy = reader(addr, topic, n, Duration::ZERO).await;
    let mut observer = Peer::join(addr, Json).await;
    let mut callee = Peer::join(addr, MsgPack).await;
    callee.register("com.flood.echo").await;
    let mut caller = Peer::join_url(&rs_url(addr), Json).await;
    assert!(is_joined(&mut observer, stalled_id).await);

    let publisher = Peer::join(addr, MsgPack).await;
    let started = Instant::now();
    let flooding = flood(publisher, topic.to_owned(), n);

    // While the flood runs (and the publisher is held back by the stalled
    // outbox), other sessions are served at once.
    let mut slowest = Duration::ZERO;
    let mut disconnected_after = None;
    while started.elapsed() < Duration::from_secs(15) {
        slowest = slowest.max(round_trip(&mut caller, &mut callee, "com.flood.echo").await);
        if disconnected_after.is_none() && !is_joined(&mut observer, stalled_id).await {
            disconnected_after = Some(started.elapsed());
        }
        if disconnected_after.is_some() && flooding.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let disconnected_after =
        disconnected_after.expect("the stalled subscriber was never disconnected");
    println!(
        "stalled subscriber disconnected after {disconnected_after:?}; slowest call round trip during the flood {slowest:?}"
    );
    assert!(
        disconnected_after >= SLOW_CONSUMER_TIMEOUT,
        "disconnected after {disconnected_after:?}, before the slow-consumer timeout"
    );
    assert!(
        slowest < Duration::from_millis(800),
        "a call round trip took {slowest:?} during the flood"
    );
    let (flood_time, _publisher) = tokio::time::timeout(Duration::from_secs(20), flooding)
        .await
        .expect("the publisher was held back for good")
        .unwrap();
    println!("published {n} events of {EVENT_BYTES} B in {flood_time:?}");
    // The reading subscriber got every event, in order.
    let (seen, _healthy) = tokio::time::timeout(Duration::from_secs(20), healthy)
        .await
        .expect("the reading subscriber did not get every event")
        .unwrap();
    assert_eq!(seen, (0..n).collect::<Vec<_>>());
    assert_healthy(addr).await;
}

#[tokio::test]
async fn slow_subscriber_gets_every_event_and_stays() {
    let (_router, addr) = flood_router().await;
    let topic = "com.flood.slow";
    let n = 300; // 2.4 MB, read at one event per 3 ms
    let slow = reader(addr, topic, n, Duration::from_millis(3)).await;
    let fast = reader(addr, topic, n, Duration::ZERO).await;
    let mut observer = Peer::join(addr, Json).await;
    let count_before = observer.meta("wamp.session.count", vec![]).await.unwrap();
    let publisher = Peer::join(addr, MsgPack).await;
    let (flood_time, _publisher) = tokio::time::timeout(
        Duration::from_secs(20),
        flood(publisher, topic.to_owned(), n),
    )
    .await
    .expect("the publisher was held back for good")
    .unwrap();
    let (slow_seen, _slow) = tokio::time::timeout(Duration::from_secs(20), slow)
        .await
        .expect("the slow subscriber did not get every event")
        .unwrap();
    let (fast_seen, _fast) = tokio::time::timeout(Duration::from_secs(20), fast)
        .await
        .expect("the fast subscriber did not get every event")
        .unwrap();
    println!("published {n} events of {EVENT_BYTES} B to a slow reader in {flood_time:?}");
    assert_eq!(slow_seen, (0..n).collect::<Vec<_>>());
    assert_eq!(fast_seen, (0..n).collect::<Vec<_>>());
    // Nobody was disconnected (the publisher is counted now too).
    let count_after = observer.meta("wamp.session.count", vec![]).await.unwrap();
    assert_eq!(
        count_after[0].as_u64().unwrap(),
        count_before[0].as_u64().unwrap() + 1
    );
    assert_healthy(addr).await;
}

/// A raw session on `realm1` with a 4 KiB socket receive buffer.
async fn small_buffer_session(addr: SocketAddr, wire: Wire) -> (Raw, u64) {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let tcp = socket.connect(addr).await.unwrap();
    let mut raw = match wire {
        Wire::WebSocket => Raw::ws_over(tcp, addr, Json).await,
        Wire::RawSocket => Raw::rs_over(tcp, Json).await,
    };
    let session = raw.join("realm1").await;
    (raw, session)
}

/// Waits (at most 10 s) until `session` has left; how long it took.
async fn left_within(observer: &mut Peer, session: u64) -> Duration {
    let started = Instant::now();
    while is_joined(observer, session).await {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "session {session} is still joined"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    started.elapsed()
}

/// A callee of `procedure` that answers every call with its arguments,
/// until its connection ends. It reads and writes in separate tasks, as real
/// clients do: a callee that stopped reading while its own YIELDs wait
/// (held back by the router behind a full caller outbox) would itself be
/// dropped as a slow consumer, and the caller then never flooded.
async fn echo_callee(addr: SocketAddr, procedure: &str) -> tokio::task::JoinHandle<()> {
    let mut callee = Peer::join(addr, MsgPack).await;
    callee.register(procedure).await;
    let serializer = callee.kind();
    let wamp::transport::Transport {
        mut sink,
        mut stream,
        ..
    } = callee.t;
    let (yields, mut to_write) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(frame) = to_write.recv().await {
            if sink.send(frame).await.is_err() {
                return;
            }
        }
    });
    tokio::spawn(async move {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(30), stream.next()).await;
            let Ok(Some(Ok(frame))) = frame else { return };
            if let Ok(wamp::Message::Invocation(inv)) = serializer.decode(frame) {
                let reply = wamp::Message::Yield(wamp::protocol::Yield {
                    request: inv.request,
                    options: Default::default(),
                    payload: inv.payload,
                });
                if yields.send(serializer.encode(&reply).unwrap()).is_err() {
                    return;
                }
            }
        }
    })
}

#[tokio::test]
async fn caller_that_never_reads_its_results_is_disconnected() {
    let (_router, addr) = flood_router().await;
    let mut observer = Peer::join(addr, Json).await;
    let _echo = echo_callee(addr, "com.flood.echo").await;
    for wire in WIRES {
        let (mut raw, session) = small_buffer_session(addr, wire).await;
        // 2000 calls with 8 KiB arguments echoed back (16 MB of RESULTs,
        // more than socket buffers hold), never read.
        let blob = "r".repeat(EVENT_BYTES);
        let flood = async {
            for request in 1..=2000u64 {
                let call = serde_json::json!([48, request, {}, "com.flood.echo", [blob]]);
                raw.send_frame(encode_value(Json, &call)).await;
            }
        };
        // The router stops reading from it at some point (backpressure)...
        let _ = tokio::time::timeout(Duration::from_secs(10), flood).await;
        // ...and drops it as a slow consumer.
        let took = left_within(&mut observer, session).await;
        println!("{wire:?}: a caller that never reads left {took:?} after its flood");
        assert_healthy(addr).await;
    }
}

#[tokio::test]
async fn stalled_callee_ends_its_calls_with_errors() {
    let (_router, addr) = flood_router().await;
    let mut observer = Peer::join(addr, Json).await;
    for wire in WIRES {
        let (mut callee, callee_id) = small_buffer_session(addr, wire).await;
        let procedure = format!("com.stalled.callee.{wire:?}");
        callee
            .send(&wamp::Message::Register(wamp::protocol::Register::new(
                1,
                crate::peer::uri(&procedure),
            )))
            .await;
        match callee.next(REACTION).await {
            Reaction::Message(wamp::Message::Registered(_)) => {}
            other => panic!("expected REGISTERED, got {other:?}"),
        }
        // Callers send calls with 8 KiB arguments; the callee never reads.
        let mut caller = Peer::join(addr, MsgPack).await;
        let blob = "c".repeat(EVENT_BYTES);
        let n = 1500; // 12 MB of INVOCATIONs, more than socket buffers hold
        let mut requests = Vec::new();
        for _ in 0..n {
            requests.push(caller.call(&procedure, args(MsgPack, &[&blob])).await);
        }
        left_within(&mut observer, callee_id).await;
        // Every call ends: with an ERROR, none left hanging.
        let mut errors = std::collections::BTreeMap::<String, usize>::new();
        for _ in 0..n {
            match caller.recv().await {
                wamp::Message::Error(e) => *errors.entry(e.error.to_string()).or_default() += 1,
                other => panic!("expected ERROR, got {other:?}"),
            }
        }
        println!("{wire:?}: calls to a stalled callee ended with {errors:?}");
        // Those in flight when the callee was dropped are canceled; the
        // later ones find no callee.
        assert!(
            errors
                .keys()
                .all(|e| e == "wamp.error.canceled" || e == "wamp.error.no_such_procedure"),
            "{errors:?}"
        );
        assert!(errors.contains_key("wamp.error.canceled"), "{errors:?}");
        assert!(caller.quiet(100).await);
        assert_healthy(addr).await;
    }
}

#[tokio::test]
async fn ping_flood_without_reading_pongs() {
    let (_router, addr) = flood_router().await;
    let ping = [0x42u8; 1024];
    // RawSocket: PONGs that cannot be written pile up to a small limit, then
    // the connection is closed.
    let (mut raw, session) = small_buffer_session(addr, Wire::RawSocket).await;
    let mut frame = rs_header(1, ping.len()).to_vec();
    frame.extend_from_slice(&ping);
    let frames = frame.repeat(64);
    let flood = async {
        for _ in 0..400 {
            raw.send_raw(&frames).await; // 26 MB in all
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(10), flood).await;
    let mut observer = Peer::join(addr, Json).await;
    left_within(&mut observer, session).await;
    let mut pongs = 0;
    loop {
        match raw.next(REACTION).await {
            Reaction::Control(2, payload) => {
                assert_eq!(&payload[..], &ping[..]);
                pongs += 1;
            }
            Reaction::Closed(_) => break,
            other => panic!("expected PONGs then close, got {other:?}"),
        }
    }
    println!("RawSocket: {pongs} PONGs written before the close");
    assert_healthy(addr).await;

    // WebSocket: one PONG is pending at a time (the latest replaces it), so
    // the router keeps reading and the session stays.
    let (mut raw, session) = small_buffer_session(addr, Wire::WebSocket).await;
    let frames = ws_frame(0x89, true, &ping[..125]).repeat(256);
    let flood = async {
        for _ in 0..300 {
            raw.send_ws_bytes(&frames).await; // 10 MB in all
        }
    };
    tokio::time::timeout(Duration::from_secs(20), flood)
        .await
        .expect("the router stopped reading WebSocket PINGs");
    assert!(is_joined(&mut observer, session).await);
    raw.send_frame(encode_value(
        Json,
        &serde_json::json!([48, 1, {}, "wamp.session.count"]),
    ))
    .await;
    match raw.next(REACTION).await {
        Reaction::Message(wamp::Message::Result(r)) => assert_eq!(r.request, 1),
        other => panic!("expected RESULT, got {other:?}"),
    }
    assert_healthy(addr).await;
}
