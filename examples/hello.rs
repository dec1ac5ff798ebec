//! The main example: a math service and a chat topic served by a [`Component`]
//! through the embedded router, and a client that calls and publishes.
//! It needs no setup and finishes by itself.
//!
//! Run it with `cargo run -p wamp-examples --bin hello`.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use wamp::client::{JoinConfig, typed_event_handler, typed_procedure};
use wamp::router::{RealmConfig, Router};
use wamp::transport::ClientOptions;
use wamp::{Component, Error, RegisterOptions, SerializerKind, Session, SubscribeOptions};

/// A chat message, as published on `com.chat.message`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ChatMessage {
    from: String,
    text: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // 1. The embedded router, on a free loopback port.
    let (router, addr) = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .start("127.0.0.1:0")
        .await?;
    println!("router: ws://{addr}/ws and rs://{addr}, realm1");

    // 2. A component serving procedures and a topic; it registers and subscribes
    //    everything on every (re)join.
    let (chat_tx, mut chat_rx) = mpsc::unbounded_channel();
    let service = Component::builder("realm1")
        .name("math")
        .transport(&format!("rs://{addr}"))
        .procedure(
            "com.math.add",
            RegisterOptions::default(),
            typed_procedure(|(a, b): (i64, i64)| async move { Ok(a + b) }),
        )
        .procedure(
            "com.math.divide",
            RegisterOptions::default(),
            typed_procedure(|(a, b): (f64, f64)| async move {
                if b == 0.0 {
                    Err(Error::message(
                        "com.math.error.division_by_zero",
                        "cannot divide by zero",
                    ))
                } else {
                    Ok(a / b)
                }
            }),
        )
        .subscription(
            "com.chat.message",
            SubscribeOptions::default(),
            typed_event_handler(move |(msg,): (ChatMessage,), details| {
                let chat_tx = chat_tx.clone();
                async move {
                    println!(
                        "service: {} says {:?} (publication {})",
                        msg.from, msg.text, details.publication
                    );
                    let _ = chat_tx.send(msg);
                }
            }),
        )
        .on_join(|session: Session| async move {
            println!("service: joined as session {}", session.id());
        })
        .build();
    let (stop, running) = service.start();

    // 3. A client on another transport and serializer.
    let transport = wamp::transport::connect(
        &format!("ws://{addr}/ws"),
        &ClientOptions::with_serializers([SerializerKind::Json]),
    )
    .await?;
    let client = Session::join(transport, JoinConfig::new("realm1")).await?;

    // The component registers asynchronously: wait until add answers.
    let sum: i64 = loop {
        match client.call("com.math.add", &(2, 3)).await {
            Ok(result) => break result.get::<i64>()?,
            Err(e) if e.uri() == "wamp.error.no_such_procedure" => {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            Err(e) => return Err(e.into()),
        }
    };
    println!("client: com.math.add(2, 3) = {sum}");
    assert_eq!(sum, 5);

    let quotient: f64 = client
        .call("com.math.divide", &(7.0, 2.0))
        .await?
        .get::<f64>()?;
    println!("client: com.math.divide(7, 2) = {quotient}");
    let err = client
        .call("com.math.divide", &(1.0, 0.0))
        .await
        .unwrap_err();
    println!(
        "client: com.math.divide(1, 0) failed with {} {:?}",
        err.uri(),
        err.text()
    );
    assert_eq!(err.uri(), "com.math.error.division_by_zero");

    let wrong = client.call("com.math.add", &("two", 3)).await.unwrap_err();
    println!(
        "client: com.math.add(\"two\", 3) failed with {}",
        wrong.uri()
    );
    assert_eq!(wrong.uri(), "wamp.error.invalid_argument");

    let msg = ChatMessage {
        from: "client".into(),
        text: "hello, WAMP".into(),
    };
    client.publish("com.chat.message", &(msg,)).await?;
    let got = tokio::time::timeout(Duration::from_secs(5), chat_rx.recv())
        .await?
        .ok_or("chat closed")?;
    assert_eq!(got.text, "hello, WAMP");

    // 4. Leave cleanly.
    client.leave().await;
    stop.stop();
    running.await??;
    router.shutdown();
    println!("done");
    Ok(())
}
