//! Memory of the standalone router, measured from outside (VmRSS / VmHWM in
//! /proc of the child process):
//!
//! - RSS per idle session: 500 sessions over WebSocket, then 500 over
//!   RawSocket, joined and silent (`WAMP_IDLE_SESSIONS=2000` for more);
//! - peak RSS growth with one stalled subscriber (WebSocket, 4 KiB receive
//!   buffer, never reads) under a flood of 64 KiB events, with
//!   `[limits] outbox_bytes = 1048576`: the outbox bounds it.
//!
//! - no leak from hostile connections: RSS after 1000 more connections that
//!   end in a protocol violation, a RawSocket refusal or a dropped session
//!   stays within a small bound of RSS after the first 300.
//!
//! Figures on the branch `sec-hostile` (outbox still counted in frames:
//! outbox_bytes / 4096 = 256 frames), 2-core Linux VM:
//!
//! | figure | dev profile | release |
//! |---|---|---|
//! | RSS per idle WebSocket/JSON session | 61-67 KiB | 44 KiB |
//! | RSS per idle RawSocket/MessagePack session | 65 KiB | 47 KiB |
//! | peak RSS growth, stalled subscriber, 64 KiB events, outbox_bytes = 1 MiB | 17.8 MiB | 17.6-17.9 MiB |
//! | RSS growth over 1000 hostile connections | < 0.1 MiB | < 0.1 MiB |
//!
//! RSS per idle session on the branch `perf-mem` (handshake state boxed and
//! freed after the handshake, transport buffers allocated only while they
//! hold data; see the last section of BENCHMARKS.md), same VM, 500 sessions:
//! dev profile 9.0 KiB (WebSocket/JSON) and 7.4 KiB (RawSocket/MessagePack);
//! release 9.1 and 7.5 KiB (9.5 and 7.4 KiB with 2000 sessions).
//!
//! The stalled-subscriber growth is 256 queued 64 KiB frames plus about
//! 2 MiB: over [`STALLED_GROWTH_BOUND`] until the outbox is bounded in bytes.
//!
//! All print their figures (`cargo test -p wamp-router --test memory --
//! --nocapture`). `WAMP_ROUTER_BIN=target/release/wamp-router` measures
//! another build of the router (the default is the one `cargo test` builds,
//! in the dev profile). Linux only (reads /proc).

#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderValue, header};
use wamp::protocol::options::{HelloDetails, WireSubscribeOptions};
use wamp::protocol::roles::{Role, RoleDetails, Roles};
use wamp::protocol::*;
use wamp::transport::{ClientOptions, Transport, connect};
use wamp::{Payload, SerializerKind};

const BIN: &str = env!("CARGO_BIN_EXE_wamp-router");

const MIB: u64 = 1024 * 1024;

/// The outbox limit of the flood case.
const OUTBOX_BYTES: u64 = 1024 * 1024;
/// The stated bound on the peak RSS growth with one stalled subscriber:
/// the queued frames (counted in `outbox_bytes`), the decoded message each
/// shares, the writer's batch and buffers, and fixed overhead (the
/// publisher's read buffer, allocator slack).
const STALLED_GROWTH_BOUND: u64 = 4 * OUTBOX_BYTES + 8 * MIB;
/// The stated bound on RSS per idle session (measured: at most 10 KiB in the
/// dev profile, which `cargo test` builds, and in release; 45-49 KiB before
/// the handshake state and idle buffers were freed).
const IDLE_SESSION_BOUND: u64 = 16 * 1024;

/// A router child that is killed when dropped.
struct Router {
    child: Child,
    addr: String,
}

impl Drop for Router {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Router {
    fn start(name: &str, config: &str) -> Router {
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
        std::fs::write(&path, config).unwrap();
        let bin = std::env::var("WAMP_ROUTER_BIN").unwrap_or_else(|_| BIN.to_owned());
        let mut child = Command::new(bin)
            .arg("--config")
            .arg(&path)
            .args(["--listen", "127.0.0.1:0", "--log", "warn"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let addr = line
            .strip_prefix("listening on ")
            .and_then(|rest| rest.split(": ").next())
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_owned();
        Router { child, addr }
    }

    /// A field of /proc/PID/status in bytes (VmRSS, VmHWM).
    fn status(&self, field: &str) -> u64 {
        status_of(self.child.id(), field)
    }

    /// Resets VmHWM to the current RSS.
    fn reset_peak(&self) {
        std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5").unwrap();
    }
}

fn status_of(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"));
    let kib: u64 = line[field.len() + 1..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap();
    kib * 1024
}

fn roles() -> Roles {
    [
        Role::Caller,
        Role::Callee,
        Role::Publisher,
        Role::Subscriber,
    ]
    .into_iter()
    .fold(Roles::default(), |r, role| {
        r.with(role, RoleDetails::default())
    })
}

fn hello() -> Message {
    Message::Hello(Hello {
        realm: Uri::new("realm1").unwrap(),
        details: HelloDetails {
            roles: Some(roles()),
            ..HelloDetails::default()
        },
    })
}

async fn send(t: &mut Transport, msg: Message) {
    let frame = t.serializer.encode(&msg).unwrap();
    tokio::time::timeout(Duration::from_secs(10), t.sink.send(frame))
        .await
        .expect("the router stopped reading for 10 s")
        .unwrap();
}

async fn recv(t: &mut Transport) -> Message {
    let frame = tokio::time::timeout(Duration::from_secs(10), t.stream.next())
        .await
        .expect("timed out waiting for a message")
        .expect("transport closed")
        .expect("transport error");
    t.serializer.decode(frame).unwrap()
}

async fn join(url: &str, serializer: SerializerKind) -> Transport {
    let mut t = connect(url, &ClientOptions::with_serializers([serializer]))
        .await
        .unwrap();
    send(&mut t, hello()).await;
    match recv(&mut t).await {
        Message::Welcome(_) => t,
        other => panic!("expected WELCOME, got {other:?}"),
    }
}

/// Waits until RSS stops moving (two reads 200 ms apart within 64 KiB), at
/// most 3 s; returns it.
async fn settled_rss(router: &Router) -> u64 {
    let mut last = router.status("VmRSS");
    for _ in 0..15 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = router.status("VmRSS");
        if now.abs_diff(last) < 64 * 1024 {
            return now;
        }
        last = now;
    }
    last
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / MIB as f64)
}

#[tokio::test]
async fn rss_per_idle_session() {
    let router = Router::start(
        "memory-idle.toml",
        "[[listener]]\naddress = \"127.0.0.1:1\"\n\n[[realm]]\nname = \"realm1\"\n",
    );
    let ws = format!("ws://{}/ws", router.addr);
    let rs = format!("rs://{}", router.addr);
    // Warm up: the realm, the runtime's threads, first allocations.
    let mut warm = Vec::new();
    for _ in 0..20 {
        warm.push(join(&ws, SerializerKind::Json).await);
        warm.push(join(&rs, SerializerKind::MsgPack).await);
    }
    drop(warm);
    let n: u64 = std::env::var("WAMP_IDLE_SESSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let mut figures = Vec::new();
    let mut sessions = Vec::new();
    for (name, url, serializer) in [
        ("WebSocket/JSON", &ws, SerializerKind::Json),
        ("RawSocket/MessagePack", &rs, SerializerKind::MsgPack),
    ] {
        let before = settled_rss(&router).await;
        for _ in 0..n {
            sessions.push(join(url, serializer).await);
        }
        let after = settled_rss(&router).await;
        let per = after.saturating_sub(before) / n;
        println!(
            "router RSS per idle {name} session: {:.1} KiB ({n} sessions: {} -> {})",
            per as f64 / 1024.0,
            mib(before),
            mib(after)
        );
        figures.push((name, per));
    }
    // Every session is still served.
    let mut last = sessions.pop().unwrap();
    send(
        &mut last,
        Message::Call(Call::new(
            1,
            Uri::new("wamp.session.count").unwrap(),
            Payload::empty(),
        )),
    )
    .await;
    match recv(&mut last).await {
        Message::Result(r) => {
            let (count,): (u64,) = r.payload.args().unwrap();
            assert_eq!(count, 2 * n);
        }
        other => panic!("expected RESULT, got {other:?}"),
    }
    for (name, per) in figures {
        assert!(
            per < IDLE_SESSION_BOUND,
            "{name}: {per} B per idle session, over the bound of {IDLE_SESSION_BOUND} B"
        );
    }
}

/// A WebSocket JSON subscriber to `topic` with a 4 KiB receive buffer; the
/// caller never reads from it again.
async fn stalled_subscriber(
    addr: &str,
    topic: &str,
) -> tokio_tungstenite::WebSocketStream<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let tcp = socket.connect(addr.parse().unwrap()).await.unwrap();
    let mut request = format!("ws://{addr}/ws").into_client_request().unwrap();
    request.headers_mut().insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static("wamp.2.json"),
    );
    let handshake = tokio_tungstenite::client_async(request, tcp);
    let (mut ws, _) = tokio::time::timeout(Duration::from_secs(10), handshake)
        .await
        .unwrap()
        .unwrap();
    let json = SerializerKind::Json;
    let subscribe = Message::Subscribe(Subscribe {
        request: 1,
        options: WireSubscribeOptions::default(),
        topic: Uri::new(topic).unwrap(),
    });
    for msg in [hello(), subscribe] {
        let text = String::from_utf8(json.encode(&msg).unwrap().to_vec()).unwrap();
        tokio::time::timeout(
            Duration::from_secs(10),
            ws.send(WsMessage::Text(text.into())),
        )
        .await
        .unwrap()
        .unwrap();
        let reply = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let reply = json.decode(reply.into_data()).unwrap();
        assert!(
            matches!(reply, Message::Welcome(_) | Message::Subscribed(_)),
            "{reply:?}"
        );
    }
    ws
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peak_rss_with_a_stalled_subscriber_is_bounded_by_the_outbox() {
    let config = format!(
        "[limits]\noutbox_bytes = {OUTBOX_BYTES}\nslow_consumer_timeout_ms = 2000\n\n\
         [[listener]]\naddress = \"127.0.0.1:1\"\n\n[[realm]]\nname = \"realm1\"\n"
    );
    let router = Router::start("memory-stalled.toml", &config);
    let topic = "com.flood";
    let stalled = stalled_subscriber(&router.addr, topic).await;
    let mut publisher = join(&format!("rs://{}", router.addr), SerializerKind::MsgPack).await;
    let mut observer = join(&format!("ws://{}/ws", router.addr), SerializerKind::Json).await;
    // One event first, so that everything on the path is allocated once.
    let blob = "e".repeat(64 * 1024);
    let payload = Payload::encode_args(SerializerKind::MsgPack, &[&blob]).unwrap();
    let publish = |request| {
        Message::Publish(Publish {
            request,
            options: Default::default(),
            topic: Uri::new(topic).unwrap(),
            payload: payload.clone(),
        })
    };
    send(&mut publisher, publish(1)).await;
    let before = settled_rss(&router).await;
    router.reset_peak();

    // Sample RSS every 5 ms as well (in case clear_refs is not honoured).
    let pid = router.child.id();
    let stop = Arc::new(AtomicBool::new(false));
    let max_sampled = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (stop, max_sampled) = (stop.clone(), max_sampled.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                max_sampled.fetch_max(status_of(pid, "VmRSS"), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };

    // The flood: 64 KiB events for 4 s (the stalled subscriber is dropped
    // after 2 s of a full outbox).
    let started = Instant::now();
    let mut published = 0u64;
    while started.elapsed() < Duration::from_secs(4) {
        published += 1;
        send(&mut publisher, publish(published + 1)).await;
    }
    // The stalled subscriber is gone.
    send(
        &mut observer,
        Message::Call(Call::new(
            1,
            Uri::new("wamp.session.count").unwrap(),
            Payload::empty(),
        )),
    )
    .await;
    let count = match recv(&mut observer).await {
        Message::Result(r) => r.payload.args::<(u64,)>().unwrap().0,
        other => panic!("expected RESULT, got {other:?}"),
    };
    stop.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    let peak = router
        .status("VmHWM")
        .max(max_sampled.load(Ordering::Relaxed));
    let growth = peak.saturating_sub(before);
    println!(
        "stalled subscriber under a flood of {published} events of 64 KiB in {:?}, outbox_bytes = {OUTBOX_BYTES}: \
         RSS before {}, peak {}, growth {} (bound {})",
        started.elapsed(),
        mib(before),
        mib(peak),
        mib(growth),
        mib(STALLED_GROWTH_BOUND)
    );
    assert_eq!(count, 2, "the stalled subscriber was not disconnected");
    drop(stalled);
    assert!(
        growth < STALLED_GROWTH_BOUND,
        "peak RSS growth {} over the bound {}",
        mib(growth),
        mib(STALLED_GROWTH_BOUND)
    );
}

/// One hostile connection of kind `i % 4`, run to its end.
async fn hostile_connection(addr: &str, i: usize) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    match i % 4 {
        // Garbage after joining: ABORT, closed.
        0 => {
            let mut t = join(&format!("ws://{addr}/ws"), SerializerKind::Json).await;
            let garbage = b"[48, \"not an id\", {}, \"com.x\"]".to_vec().into();
            tokio::time::timeout(Duration::from_secs(10), t.sink.send(garbage))
                .await
                .unwrap()
                .unwrap();
            assert!(matches!(recv(&mut t).await, Message::Abort(_)));
        }
        // A registration and a subscription, then the transport dropped.
        1 => {
            let mut t = join(&format!("rs://{addr}"), SerializerKind::Cbor).await;
            let register = Register::new(1, Uri::new(format!("com.leak.p{i}")).unwrap());
            send(&mut t, Message::Register(register)).await;
            assert!(matches!(recv(&mut t).await, Message::Registered(_)));
            let subscribe = Subscribe {
                request: 2,
                options: WireSubscribeOptions::default(),
                topic: Uri::new(format!("com.leak.t{i}")).unwrap(),
            };
            send(&mut t, Message::Subscribe(subscribe)).await;
            assert!(matches!(recv(&mut t).await, Message::Subscribed(_)));
        }
        // A RawSocket hello with an unknown serializer: refused.
        2 => {
            let exchange = async {
                let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
                tcp.write_all(&[0x7F, 0xF7, 0, 0]).await.unwrap();
                let mut reply = [0u8; 4];
                tcp.read_exact(&mut reply).await.unwrap();
                reply
            };
            let reply = tokio::time::timeout(Duration::from_secs(10), exchange)
                .await
                .unwrap();
            assert_eq!(reply, [0x7F, 0x10, 0, 0]);
        }
        // A CALL in flight to a callee that never answers, then both gone.
        _ => {
            let mut callee = join(&format!("ws://{addr}/ws"), SerializerKind::MsgPack).await;
            let procedure = Uri::new(format!("com.leak.c{i}")).unwrap();
            send(
                &mut callee,
                Message::Register(Register::new(1, procedure.clone())),
            )
            .await;
            assert!(matches!(recv(&mut callee).await, Message::Registered(_)));
            let mut caller = join(&format!("rs://{addr}"), SerializerKind::Json).await;
            send(
                &mut caller,
                Message::Call(Call::new(1, procedure, Payload::empty())),
            )
            .await;
            assert!(matches!(recv(&mut callee).await, Message::Invocation(_)));
        }
    }
}

#[tokio::test]
async fn hostile_connections_leave_no_memory_behind() {
    let router = Router::start(
        "memory-leak.toml",
        "[[listener]]\naddress = \"127.0.0.1:1\"\n\n[[realm]]\nname = \"realm1\"\n",
    );
    let addr = router.addr.clone();
    for i in 0..300 {
        hostile_connection(&addr, i).await;
    }
    let before = settled_rss(&router).await;
    const N: usize = 1000;
    for i in 300..300 + N {
        hostile_connection(&addr, i).await;
    }
    let after = settled_rss(&router).await;
    // Every session is gone.
    let mut observer = join(&format!("ws://{addr}/ws"), SerializerKind::Json).await;
    send(
        &mut observer,
        Message::Call(Call::new(
            1,
            Uri::new("wamp.session.count").unwrap(),
            Payload::empty(),
        )),
    )
    .await;
    let count = match recv(&mut observer).await {
        Message::Result(r) => r.payload.args::<(u64,)>().unwrap().0,
        other => panic!("expected RESULT, got {other:?}"),
    };
    let growth = after.saturating_sub(before);
    println!(
        "{N} more hostile connections: RSS {} -> {} (growth {}, {} B per connection)",
        mib(before),
        mib(after),
        mib(growth),
        growth / N as u64
    );
    assert_eq!(count, 1, "sessions left behind");
    assert!(
        growth < 2 * MIB,
        "RSS grew by {} over {N} hostile connections",
        mib(growth)
    );
}
