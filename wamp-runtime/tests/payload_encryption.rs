//! End-to-end payload encryption (`cryptobox`, as Autobahn|Python) through
//! the embedded router over real sockets: calls, errors and events between
//! two of our clients sharing a key ring, the router forwarding the
//! ciphertext untouched (a scripted peer sees only `enc_algo` and opaque
//! bytes), and corrupt ciphertext or a wrong key giving a clear
//! error (Autobahn|Python's URIs) at the caller and the callee.

#[path = "router/peer.rs"]
mod peer;

use std::sync::Arc;
use std::time::Duration;

use peer::{Peer, router};
use tokio::sync::mpsc;
use wamp::SerializerKind::{self, Cbor, Json, MsgPack};
use wamp::client::cryptobox::{Key, KeyRing};
use wamp::client::{JoinConfig, event_handler, typed_procedure};
use wamp::protocol::options::{EncAlgo, WireCallOptions, YieldOptions};
use wamp::protocol::{Message, Payload, Yield, uris};
use wamp::transport::ClientOptions;
use wamp::{Error, RegisterOptions, Session, SubscribeOptions};

const WAIT: Duration = Duration::from_secs(5);

fn ring(private: &str) -> Arc<KeyRing> {
    let mut ring = KeyRing::new();
    ring.set_key("com.secret.", Key::shared(private).unwrap());
    Arc::new(ring)
}

async fn session(url: &str, serializer: SerializerKind, codec: Option<Arc<KeyRing>>) -> Session {
    let transport = wamp::transport::connect(url, &ClientOptions::with_serializers([serializer]))
        .await
        .unwrap();
    let s = Session::join(transport, JoinConfig::new("realm1"))
        .await
        .unwrap();
    s.set_payload_codec(codec.map(|c| c as Arc<dyn wamp::client::codec::PayloadCodec>));
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_errors_and_events_are_encrypted_end_to_end() {
    let (_router, addr) = router().await;
    let url = format!("ws://{addr}/ws");
    let (key, _) = KeyRing::generate_key();
    let callee = session(&url, MsgPack, Some(ring(&key))).await;
    let caller = session(&url, Json, Some(ring(&key))).await;
    callee
        .register(
            "com.secret.add",
            RegisterOptions::default(),
            typed_procedure(|(a, b): (i64, i64)| async move {
                if a < 0 {
                    return Err(Error::new("com.secret.error.negative").with_args(&("no", a))?);
                }
                Ok(a + b)
            }),
        )
        .await
        .unwrap();
    let r = caller.call("com.secret.add", &(2, 3)).await.unwrap();
    assert_eq!(r.args_as::<(i64,)>().unwrap().0, 5);
    let e = caller.call("com.secret.add", &(-1, 3)).await.unwrap_err();
    assert_eq!(e.uri(), "com.secret.error.negative");
    assert_eq!(
        e.payload().args::<(String, i64)>().unwrap(),
        ("no".into(), -1)
    );

    // A URI without a key goes in clear, and still works.
    callee
        .register(
            "com.open.echo",
            RegisterOptions::default(),
            typed_procedure(|(s,): (String,)| async move { Ok(s) }),
        )
        .await
        .unwrap();
    let r = caller.call("com.open.echo", &("hi",)).await.unwrap();
    assert_eq!(r.args_as::<(String,)>().unwrap().0, "hi");

    // Pub/sub.
    let subscriber = session(&url, Cbor, Some(ring(&key))).await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    subscriber
        .subscribe(
            "com.secret.news",
            SubscribeOptions::default(),
            event_handler(move |ev| {
                let tx = tx.clone();
                async move {
                    tx.send(ev.payload.args::<(String,)>()?.0).unwrap();
                    Ok(())
                }
            }),
        )
        .await
        .unwrap();
    let mut peer = Peer::join(addr, MsgPack).await;
    peer.subscribe("com.secret.news").await;
    let publisher = session(&url, Json, Some(ring(&key))).await;
    publisher
        .publish_with(
            "com.secret.news",
            Payload::encode_args(Json, &("headline",)).unwrap(),
            wamp::PublishOptions {
                acknowledge: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let got = tokio::time::timeout(WAIT, rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, "headline");
    // The router forwarded the ciphertext without reading it.
    let ev = peer.expect_event().await;
    assert_eq!(ev.details.enc_algo.as_ref().unwrap().as_str(), "cryptobox");
    assert_eq!(ev.details.enc_serializer.as_deref(), Some("json"));
    let bytes = ev.payload.transparent_bytes().expect("opaque payload");
    assert!(!bytes.windows(8).any(|w| w == b"headline"));
}

fn encrypted_call_options() -> WireCallOptions {
    WireCallOptions {
        enc_algo: EncAlgo::new("cryptobox"),
        enc_serializer: Some("json".into()),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_router_forwards_ciphertext_untouched_both_ways() {
    let (_router, addr) = router().await;
    let url = format!("ws://{addr}/ws");
    let (key, _) = KeyRing::generate_key();
    let caller = session(&url, Json, Some(ring(&key))).await;
    // A scripted callee that echoes the opaque payload back: with a shared
    // key both directions use the same box, so the caller can open it.
    let mut callee = Peer::join(addr, MsgPack).await;
    callee.register("com.secret.echo").await;
    let call = tokio::spawn({
        let caller = caller.clone();
        async move { caller.call("com.secret.echo", &("payload", 42)).await }
    });
    let inv = callee.expect_invocation().await;
    assert_eq!(inv.details.enc_algo.as_ref().unwrap().as_str(), "cryptobox");
    let bytes = inv
        .payload
        .transparent_bytes()
        .expect("opaque payload")
        .clone();
    assert!(bytes.len() > 24 + 16);
    assert!(!bytes.windows(7).any(|w| w == b"payload"));
    callee
        .send(Message::Yield(Yield {
            request: inv.request,
            options: YieldOptions {
                enc_algo: EncAlgo::new("cryptobox"),
                enc_serializer: Some("json".into()),
                ..Default::default()
            },
            payload: Payload::transparent(bytes),
        }))
        .await;
    let r = call.await.unwrap().unwrap();
    assert_eq!(
        r.args_as::<(String, i64)>().unwrap(),
        ("payload".into(), 42)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_ciphertext_and_wrong_keys_give_a_clear_error() {
    let (_router, addr) = router().await;
    let url = format!("ws://{addr}/ws");
    let (key, _) = KeyRing::generate_key();
    let (other_key, _) = KeyRing::generate_key();
    let callee = session(&url, MsgPack, Some(ring(&key))).await;
    callee
        .register(
            "com.secret.add",
            RegisterOptions::default(),
            typed_procedure(|(a, b): (i64, i64)| async move { Ok(a + b) }),
        )
        .await
        .unwrap();

    // A corrupt CALL: the callee answers the caller with an ERROR.
    let mut raw = Peer::join(addr, Json).await;
    let request = raw
        .call_with(
            "com.secret.add",
            encrypted_call_options(),
            Payload::transparent(vec![7u8; 60]),
        )
        .await;
    let e = raw.expect_error(request).await;
    assert_eq!(e.error, uris::ENCRYPTION_DECRYPT_ERROR);
    let text = e.payload.args::<(String,)>().unwrap().0;
    assert!(
        text.contains("cannot decrypt the payload for <com.secret.add>"),
        "{text}"
    );

    // A caller with another key: the callee cannot open it either.
    let stranger = session(&url, Json, Some(ring(&other_key))).await;
    let e = stranger.call("com.secret.add", &(1, 2)).await.unwrap_err();
    assert_eq!(e.uri(), uris::ENCRYPTION_DECRYPT_ERROR, "{e}");

    // A caller without a codec gets a clear error for an encrypted result.
    let mut liar = Peer::join(addr, MsgPack).await;
    liar.register("com.secret.liar").await;
    let plain = session(&url, Json, None).await;
    let call = tokio::spawn({
        let plain = plain.clone();
        async move { plain.call("com.secret.liar", &()).await }
    });
    let inv = liar.expect_invocation().await;
    liar.send(Message::Yield(Yield {
        request: inv.request,
        options: YieldOptions {
            enc_algo: EncAlgo::new("cryptobox"),
            ..Default::default()
        },
        payload: Payload::transparent(vec![1u8; 50]),
    }))
    .await;
    let e = call.await.unwrap().unwrap_err();
    assert_eq!(e.uri(), uris::NO_PAYLOAD_CODEC);
    assert!(e.text().unwrap().contains("no payload codec"), "{e}");

    // A corrupt RESULT at a caller with the key.
    let keyed = session(&url, Json, Some(ring(&key))).await;
    let call = tokio::spawn({
        let keyed = keyed.clone();
        async move { keyed.call("com.secret.liar", &()).await }
    });
    let inv = liar.expect_invocation().await;
    assert!(inv.payload.transparent_bytes().is_some());
    liar.send(Message::Yield(Yield {
        request: inv.request,
        options: YieldOptions {
            enc_algo: EncAlgo::new("cryptobox"),
            ..Default::default()
        },
        payload: Payload::transparent(vec![1u8; 50]),
    }))
    .await;
    let e = call.await.unwrap().unwrap_err();
    assert_eq!(e.uri(), uris::ENCRYPTION_DECRYPT_ERROR);

    // Everything keeps working.
    let r = keyed.call("com.secret.add", &(20, 22)).await.unwrap();
    assert_eq!(r.args_as::<(i64,)>().unwrap().0, 42);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progressive_input_chunks_are_encrypted_too() {
    use futures_util::StreamExt as _;
    let (_router, addr) = router().await;
    let url = format!("ws://{addr}/ws");
    let (key, _) = KeyRing::generate_key();
    let callee = session(&url, MsgPack, Some(ring(&key))).await;
    callee
        .register(
            "com.secret.concat",
            RegisterOptions::default().progressive_input(),
            wamp::client::procedure(|inv| async move {
                let mut chunks = wamp::ProgressiveInput::<String>::new(inv.input.take().unwrap());
                let mut all = String::new();
                while let Some(part) = chunks.next().await {
                    all.push_str(&part?);
                }
                Ok(wamp::CallResult::args(&[all])?)
            }),
        )
        .await
        .unwrap();
    let caller = session(&url, Json, Some(ring(&key))).await;
    let mut call = caller
        .call("com.secret.concat", &["a"])
        .start_input()
        .await
        .unwrap();
    call.send(&["b"]).await.unwrap();
    let r = call.finish(&["c"]).await.unwrap();
    assert_eq!(r.args_as::<(String,)>().unwrap().0, "abc");
}
