//! Autobahn|Python (asyncio; `rs://unix:/path`, and a `unix` endpoint for WebSocket) against our
//! embedded router over a Unix domain socket: RawSocket and WebSocket, every
//! serializer, calling a Rust procedure and publishing to a Rust subscriber.
//! Fails (never skips) when the interop peers are not installed.

use std::time::Duration;

use serde_json::Value as J;
use tokio::sync::mpsc;
use wamp::client::{JoinConfig, event_handler, typed_procedure};
use wamp::router::{RealmConfig, Router};
use wamp::transport::ClientOptions;
use wamp::{RegisterOptions, SerializerKind, Session, SubscribeOptions};
use wamp_tests::interop::{Checks, interop_dir, require_peers, scratch, spec_dir};

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autobahn_python_over_a_unix_socket() {
    require_peers();
    let dir = scratch();
    let path = dir.path().join("router.sock");
    let router = Router::builder().realm(RealmConfig::open("realm1")).build();
    router.listen_unix(&path).await.unwrap();

    let url = format!("rs+unix://{}", path.display());
    let transport = wamp::transport::connect(&url, &ClientOptions::default())
        .await
        .unwrap();
    let rust = Session::join(transport, JoinConfig::new("realm1"))
        .await
        .unwrap();
    rust.register(
        "com.unix.add",
        RegisterOptions::default(),
        typed_procedure(|(a, b): (i64, i64)| async move { Ok(a + b) }),
    )
    .await
    .unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let _sub = rust
        .subscribe(
            "com.unix.news",
            SubscribeOptions::default(),
            event_handler(move |ev| {
                let tx = tx.clone();
                async move {
                    let (text,): (String,) = ev.payload.args()?;
                    tx.send(text).unwrap();
                    Ok(())
                }
            }),
        )
        .await
        .unwrap();

    let mut checks = Checks::new("autobahn_python_over_a_unix_socket");
    for kind in ["rawsocket", "websocket"] {
        for serializer in SerializerKind::ALL {
            let name = serializer.name();
            let output = tokio::time::timeout(
                WAIT,
                tokio::process::Command::new(interop_dir().join("venv/bin/python"))
                    .arg(spec_dir().join("uds_peer.py"))
                    .arg(&path)
                    .args([kind, name])
                    .env("PYTHONUNBUFFERED", "1")
                    .kill_on_drop(true)
                    .output(),
            )
            .await
            .unwrap_or_else(|_| panic!("the Python peer ({kind}, {name}) hung"))
            .unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout);
            let line = stdout
                .lines()
                .find(|l| l.starts_with('{'))
                .unwrap_or_else(|| {
                    panic!(
                        "no result from the Python peer ({kind}, {name}): {}\n{}",
                        stdout,
                        String::from_utf8_lossy(&output.stderr)
                    )
                });
            let result: J = serde_json::from_str(line).unwrap();
            let what = format!("{kind} {name}: {result}");
            checks.eq(&format!("{what} (call)"), &result["sum"], &J::from(5));
            checks.eq(&format!("{what} (publish)"), &result["ok"], &J::from(true));
            let event = tokio::time::timeout(WAIT, rx.recv())
                .await
                .unwrap()
                .unwrap();
            checks.eq("event from Python", event, format!("{kind}/{name}"));
        }
    }
    router.shutdown();
}
