//! The main example: plain Rust functions annotated with `#[wamp::register]`
//! and `#[wamp::subscribe]`, served by a [`Component`] through the embedded
//! router, and a client that calls and publishes. It needs no setup and
//! finishes by itself.
//!
//! Run it with `cargo run -p wamp-examples --bin hello`.

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use wamp::client::JoinConfig;
use wamp::router::{RealmConfig, Router};
use wamp::transport::ClientOptions;
use wamp::{ApplicationError, Component, Error, SerializerKind, Session, State};

/// Adds two numbers.
#[wamp::register("com.math.add")]
async fn add(a: i64, b: i64) -> Result<i64, wamp::Error> {
    Ok(a + b)
}

/// Division by zero, as an application error with its own URI.
#[derive(Debug)]
struct DivisionByZero;

impl ApplicationError for DivisionByZero {
    const URI: &'static str = "com.math.error.division_by_zero";
    fn to_error(&self) -> Error {
        Error::message(Self::URI, "cannot divide by zero")
    }
    fn from_error(_: &Error) -> Option<Self> {
        Some(DivisionByZero)
    }
}

/// Divides `a` by `b`; `b` may also be given by keyword.
#[wamp::register("com.math.divide", errors = ["com.math.error.division_by_zero"])]
fn divide(a: f64, b: f64) -> Result<f64, DivisionByZero> {
    if b == 0.0 {
        Err(DivisionByZero)
    } else {
        Ok(a / b)
    }
}

/// A chat message, as published on `com.chat.message`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
struct ChatMessage {
    from: String,
    text: String,
}

/// Where the chat handler hands messages to `main`.
type Inbox = mpsc::UnboundedSender<ChatMessage>;

/// Prints every chat message.
#[wamp::subscribe("com.chat.message")]
async fn on_message(msg: ChatMessage, details: wamp::EventDetails, inbox: State<Inbox>) {
    println!(
        "service: {} says {:?} (publication {})",
        msg.from, msg.text, details.publication
    );
    let _ = inbox.send(msg);
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // Logs (connections, retries, registrations) on stderr: info by default,
    // `RUST_LOG=debug` (or any filter) for more.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    // 1. The embedded router, on a free loopback port.
    let (router, addr) = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .start("127.0.0.1:0")
        .await?;
    println!("router: ws://{addr}/ws and rs://{addr}, realm1");

    // 2. A component serving every annotated function of this binary; it
    //    registers and subscribes them on every (re)join.
    let (inbox, mut chat) = mpsc::unbounded_channel::<ChatMessage>();
    let service = Component::builder("realm1")
        .transport(&format!("rs://{addr}"))
        .state(inbox)
        .collected()
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
            Ok(result) => break result.get()?,
            Err(e) if e.uri() == "wamp.error.no_such_procedure" => {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            Err(e) => return Err(e.into()),
        }
    };
    println!("client: com.math.add(2, 3) = {sum}");
    assert_eq!(sum, 5);

    let quotient: f64 = client
        .call("com.math.divide", &(7.0,))
        .kwargs(
            &[("b", 2.0)]
                .into_iter()
                .collect::<std::collections::BTreeMap<_, _>>(),
        )
        .await?
        .get()?;
    println!("client: com.math.divide(7, b=2) = {quotient}");
    assert_eq!(quotient, 3.5);

    let err = client
        .call("com.math.divide", &(1.0, 0.0))
        .await
        .unwrap_err();
    println!(
        "client: com.math.divide(1, 0) failed: {} {:?}",
        err.uri(),
        err.text()
    );
    assert_eq!(err.uri(), DivisionByZero::URI);

    let wrong = client.call("com.math.add", &("two", 3)).await.unwrap_err();
    println!(
        "client: com.math.add(\"two\", 3) failed: {} {:?}",
        wrong.uri(),
        wrong.text()
    );
    assert_eq!(wrong.uri(), "wamp.error.invalid_argument");

    let msg = ChatMessage {
        from: "client".into(),
        text: "hello, WAMP".into(),
    };
    client.publish("com.chat.message", &(msg,)).await?;
    let got = tokio::time::timeout(Duration::from_secs(5), chat.recv())
        .await?
        .ok_or("chat closed")?;
    assert_eq!(got.text, "hello, WAMP");

    // 4. The JSON Schema of what this binary serves.
    let catalog = wamp::catalog();
    println!(
        "catalog: {} procedures, {} topics",
        catalog["procedures"].as_array().map_or(0, Vec::len),
        catalog["topics"].as_array().map_or(0, Vec::len)
    );

    // 5. Leave cleanly.
    client.leave().await;
    stop.stop();
    running.await??;
    router.shutdown();
    println!("done");
    Ok(())
}
