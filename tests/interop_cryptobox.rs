//! End-to-end payload encryption (`cryptobox`) between our client and
//! Autobahn|Python's `KeyRing` (PyNaCl), through our router and through
//! Crossbar.io: calls both ways (arguments, results, errors with args and
//! kwargs), events both ways, and a peer with the wrong key getting
//! `wamp.error.encryption.decrypt_error` from the other side. Fails (not
//! skips) when the peers are not installed.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value as J, json};
use tokio::sync::mpsc;
use wamp::client::codec::PayloadCodec;
use wamp::client::cryptobox::{Key, KeyRing};
use wamp::client::{JoinConfig, event_handler, procedure, typed_procedure};
use wamp::protocol::uris;
use wamp::router::{RealmConfig, Router};
use wamp::transport::ClientOptions;
use wamp::{CallResult, Error, Payload, PublishOptions, RegisterOptions, SerializerKind, Session};
use wamp::{SubscribeOptions, Value};
use wamp_tests::interop::{Checks, Crossbar, python_peer, require_peers, scratch};

const PEER: Duration = Duration::from_secs(60);
const WAIT: Duration = Duration::from_secs(10);

/// A key ring with `private` as its default key (as the Python peer's).
fn ring(private: &str) -> Arc<dyn PayloadCodec> {
    let mut ring = KeyRing::new();
    ring.set_key("", Key::shared(private).unwrap());
    Arc::new(ring)
}

async fn session(url: &str, serializer: SerializerKind, key: &str) -> Session {
    let transport = wamp::transport::connect(url, &ClientOptions::with_serializers([serializer]))
        .await
        .unwrap();
    let s = Session::join(transport, JoinConfig::new("realm1"))
        .await
        .unwrap();
    s.set_payload_codec(Some(ring(key)));
    s
}

/// Our caller against an encrypting Python callee, a Python caller against
/// our encrypting callee, events both ways, and wrong keys both ways.
async fn scenario(checks: &mut Checks, dir: &Path, url: &str, tag: &str) {
    let (key, _) = KeyRing::generate_key();
    let (wrong, _) = KeyRing::generate_key();

    // Python callee, our caller.
    let py_prefix = format!("com.pyenc{tag}");
    let mut callee = python_peer(
        dir,
        &[
            "callee",
            "--url",
            url,
            "--prefix",
            &py_prefix,
            "--cryptobox",
            &key,
        ],
    );
    tokio::task::block_in_place(|| callee.ready(PEER));
    let ours = session(url, SerializerKind::MsgPack, &key).await;
    let r = ours
        .call(&format!("{py_prefix}.add2"), &(2, 3))
        .await
        .unwrap();
    checks.eq(
        &format!("{tag}: add2 through a Python callee"),
        r.args_as::<(i64,)>().unwrap().0,
        5,
    );
    let r = ours
        .call(&format!("{py_prefix}.echo"), &(1, "two"))
        .kwargs(&json!({"k": "v"}))
        .await
        .unwrap();
    checks.eq(
        &format!("{tag}: check at line 77"),
        r.args_as::<(i64, String)>().unwrap(),
        (1, "two".into()),
    );
    checks.eq(
        &format!("{tag}: check at line 78"),
        r.payload.kwargs::<J>().unwrap(),
        json!({"k": "v"}),
    );
    let e = ours
        .call(&format!("{py_prefix}.fail"), &())
        .await
        .unwrap_err();
    checks.eq(&format!("{tag}: {e}"), e.uri(), "com.example.error.custom");
    checks.eq(
        &format!("{tag}: check at line 84"),
        e.payload().args::<(String, i64)>().unwrap(),
        ("bad".into(), 42),
    );
    checks.eq(
        &format!("{tag}: check at line 88"),
        e.payload().kwargs::<J>().unwrap(),
        json!({"reason": "because"}),
    );
    // Our caller with the wrong key: Python cannot decrypt and says so.
    let stranger = session(url, SerializerKind::Json, &wrong).await;
    let e = stranger
        .call(&format!("{py_prefix}.add2"), &(2, 3))
        .await
        .unwrap_err();
    checks.eq(
        &format!("{tag}: {e}"),
        e.uri(),
        "wamp.error.encryption.decrypt_error",
    );

    // Our callee, Python caller (which also publishes to our subscriber).
    let rs_prefix = format!("com.rsenc{tag}");
    ours.register(
        &format!("{rs_prefix}.add2"),
        RegisterOptions::default(),
        typed_procedure(|(a, b): (i64, i64)| async move { Ok(a + b) }),
    )
    .await
    .unwrap();
    ours.register(
        &format!("{rs_prefix}.echo"),
        RegisterOptions::default(),
        procedure(|inv| async move {
            Ok(CallResult {
                payload: inv.payload,
                details: Default::default(),
            })
        }),
    )
    .await
    .unwrap();
    ours.register(
        &format!("{rs_prefix}.fail"),
        RegisterOptions::default(),
        typed_procedure(|(): ()| async {
            Err::<(), _>(
                Error::new("com.example.error.custom")
                    .with_args(&("bad", 42))?
                    .with_kwargs(&json!({"reason": "because"}))?,
            )
        }),
    )
    .await
    .unwrap();
    let (tx, mut events) = mpsc::unbounded_channel();
    ours.subscribe(
        &format!("{rs_prefix}.topic"),
        SubscribeOptions::default(),
        event_handler(move |ev| {
            let tx = tx.clone();
            async move {
                tx.send((ev.payload.args_values()?, ev.payload.kwargs::<J>()?))
                    .unwrap();
                Ok(())
            }
        }),
    )
    .await
    .unwrap();
    let caller = python_peer(
        dir,
        &[
            "caller",
            "--url",
            url,
            "--serializer",
            "cbor",
            "--prefix",
            &rs_prefix,
            "--checks",
            "add2,echo,fail,publish",
            "--cryptobox",
            &key,
        ],
    );
    let results = tokio::task::spawn_blocking(move || caller.results(PEER))
        .await
        .unwrap();
    checks.eq(
        &format!("{tag}: {results:?}"),
        &results["add2"]["value"],
        &json!(5),
    );
    checks.eq(
        &format!("{tag}: {results:?}"),
        &results["echo"]["args"],
        &json!([1, "two", [3.5, true, null]]),
    );
    checks.eq(
        &format!("{tag}: check at line 174"),
        &results["echo"]["kwargs"],
        &json!({"k": "v", "n": {"x": 1}}),
    );
    checks.eq(
        &format!("{tag}: check at line 175"),
        &results["fail"]["error"],
        &json!("com.example.error.custom"),
    );
    checks.eq(
        &format!("{tag}: check at line 176"),
        &results["fail"]["args"],
        &json!(["bad", 42]),
    );
    checks.eq(
        &format!("{tag}: check at line 177"),
        &results["fail"]["kwargs"],
        &json!({"reason": "because"}),
    );
    for i in 0..3u64 {
        let (args, kwargs) = tokio::time::timeout(WAIT, events.recv())
            .await
            .unwrap()
            .unwrap();
        checks.eq(
            &format!("{tag}: {args:?}"),
            args.first(),
            Some(&Value::UInt(i)),
        );
        checks.eq(
            &format!("{tag}: check at line 184"),
            kwargs,
            json!({"i": i}),
        );
    }
    // A Python caller with the wrong key: our callee cannot decrypt and says so.
    let caller = python_peer(
        dir,
        &[
            "caller",
            "--url",
            url,
            "--prefix",
            &rs_prefix,
            "--checks",
            "add2",
            "--cryptobox",
            &wrong,
        ],
    );
    let results = tokio::task::spawn_blocking(move || caller.results(PEER))
        .await
        .unwrap();
    checks.eq(
        &format!("{tag}: {results:?}"),
        &results["add2"]["error"],
        &json!(uris::ENCRYPTION_DECRYPT_ERROR),
    );

    // Our publisher, Python subscriber.
    let topic = format!("{py_prefix}.news");
    let mut subscriber = python_peer(
        dir,
        &[
            "subscriber",
            "--url",
            url,
            "--topic",
            &topic,
            "--count",
            "1",
            "--cryptobox",
            &key,
        ],
    );
    tokio::task::block_in_place(|| subscriber.ready(PEER));
    let payload = Payload::encode_args(SerializerKind::MsgPack, &("hello", 7)).unwrap();
    ours.publish_with(
        &topic,
        payload,
        PublishOptions {
            acknowledge: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let line = tokio::task::block_in_place(|| subscriber.json_line(PEER));
    checks.eq(
        &format!("{tag}: {line}"),
        &line["args"],
        &json!(["hello", 7]),
    );
    checks.eq(
        &format!("{tag}: check at line 240"),
        &line["topic"],
        &json!(topic),
    );
    drop(callee);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cryptobox_with_autobahn_python_through_our_router() {
    require_peers();
    let dir = scratch();
    let (_router, addr) = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let mut checks = Checks::new("cryptobox_with_autobahn_python_through_our_router");
    scenario(&mut checks, dir.path(), &format!("ws://{addr}/ws"), "r").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cryptobox_through_crossbar() {
    let dir = scratch();
    let crossbar = tokio::task::block_in_place(|| Crossbar::start(dir.path()));
    let url = crossbar.ws();
    // Our client on both ends, through Crossbar.
    let (key, _) = KeyRing::generate_key();
    let callee = session(&url, SerializerKind::Cbor, &key).await;
    callee
        .register(
            "com.ourenc.add2",
            RegisterOptions::default(),
            typed_procedure(|(a, b): (i64, i64)| async move { Ok(a + b) }),
        )
        .await
        .unwrap();
    let caller = session(&url, SerializerKind::Json, &key).await;
    let mut checks = Checks::new("cryptobox_through_crossbar");
    let r = caller.call("com.ourenc.add2", &(20, 22)).await.unwrap();
    checks.eq(
        "our client to our client through Crossbar.io",
        r.args_as::<(i64,)>().unwrap().0,
        42,
    );
    // With Autobahn|Python.
    scenario(&mut checks, dir.path(), &url, "c").await;
}
