//! The typed callers and publishers the macros generate, end to end through
//! the embedded router: every procedure of the example service
//! (`examples/math_service.rs`) called through its stub (`add::call(..)`),
//! progressive results as a typed stream, keyword arguments, errors with
//! their URI and as a typed application error, prefix and wildcard
//! registrations taking the concrete URI, input in chunks, and typed
//! publications seen by a subscriber.

#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../math_service.rs"]
mod math_service;

use std::sync::Mutex;
use std::time::Duration;

use futures_util::StreamExt as _;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use wamp::client::JoinConfig;
use wamp::client::stub::Update;
use wamp::router::{RealmConfig, Router};
use wamp::{ApplicationError, CallDetails, Component, Error, ErrorKind, EventDetails, Session};

use math_service::{
    Announcement, Rounding, Stats, add, count_to, divide, on_announcement, round, stats,
};

// ---------------------------------------------------------------------------
// Handlers of this test (component "stubs"), for what the example lacks.

/// An order that could not be served.
#[derive(Debug, Clone, PartialEq)]
struct OutOfStock {
    sku: String,
}

impl ApplicationError for OutOfStock {
    const URI: &'static str = "com.stubs.out_of_stock";
    fn to_error(&self) -> Error {
        Error::message(Self::URI, self.sku.clone())
    }
    fn from_error(error: &Error) -> Option<Self> {
        Some(OutOfStock { sku: error.text()? })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Receipt {
    shop: String,
    sku: String,
    quantity: u32,
}

/// Orders from the shop named by the rest of the URI.
#[wamp::register("com.stubs.order.", match = "prefix", component = "stubs")]
fn order(
    sku: String,
    #[kwarg] quantity: Option<u32>,
    details: CallDetails,
) -> Result<Receipt, OutOfStock> {
    if sku == "none" {
        return Err(OutOfStock { sku });
    }
    Ok(Receipt {
        shop: details.procedure,
        sku,
        quantity: quantity.unwrap_or(1),
    })
}

/// The part of the URI the wildcard matched, and a required keyword argument.
#[wamp::register("com.stubs..name", match = "wildcard", component = "stubs")]
fn name_of(#[kwarg] upper: bool, details: CallDetails) -> String {
    let middle = details.procedure.split('.').nth(2).unwrap_or("").to_owned();
    if upper { middle.to_uppercase() } else { middle }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Greeting {
    greeting: String,
    times: u8,
}

/// Takes the whole kwargs dict and a trailing optional positional argument.
#[wamp::register("com.stubs.greet", component = "stubs")]
fn greet(name: String, suffix: Option<String>, #[kwargs] how: Greeting) -> String {
    let mut s = format!("{} {name}", how.greeting).repeat(usize::from(how.times));
    s.push_str(&suffix.unwrap_or_default());
    s
}

/// Joins the chunks of its input, in order.
#[wamp::register("com.stubs.join", component = "stubs")]
async fn join(mut chunks: wamp::ProgressiveInput<String>) -> Result<Vec<String>, Error> {
    let mut all = Vec::new();
    while let Some(part) = chunks.next().await {
        all.push(part?);
    }
    Ok(all)
}

/// Returns nothing.
#[wamp::register("com.stubs.nothing", component = "stubs")]
fn nothing() {}

/// Takes longer than the tests' timeout.
#[wamp::register("com.stubs.slow", component = "stubs")]
async fn slow() -> u8 {
    tokio::time::sleep(Duration::from_secs(30)).await;
    1
}

static SEEN: Mutex<Vec<(String, Announcement)>> = Mutex::new(Vec::new());
static ROOMS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

/// Records the announcements (beside the example's own subscriber).
#[wamp::subscribe("com.math.announcement", component = "stubs")]
fn record(announcement: Announcement, details: EventDetails) {
    SEEN.lock()
        .unwrap()
        .push((details.topic.to_string(), announcement));
}

/// Messages of any room, under a prefix.
#[wamp::subscribe("com.stubs.room.", match = "prefix", component = "stubs")]
fn on_room(text: String, details: EventDetails) {
    ROOMS
        .lock()
        .unwrap()
        .push((details.topic.to_string(), text));
}

// ---------------------------------------------------------------------------

async fn start() -> (Router, Session, wamp::client::StopHandle) {
    let (router, addr) = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let (ready_tx, mut ready) = tokio::sync::mpsc::unbounded_channel();
    let service = Component::builder("realm1")
        .transport(&format!("rs://{addr}"))
        .collected_component("math")
        .collected_component("stubs")
        .on_join(move |_| {
            let ready_tx = ready_tx.clone();
            async move {
                let _ = ready_tx.send(());
            }
        })
        .build();
    let (stop, _running) = service.start();
    tokio::time::timeout(Duration::from_secs(10), ready.recv())
        .await
        .expect("the service joins");
    let transport = wamp::transport::connect(&format!("ws://{addr}/ws"), &Default::default())
        .await
        .unwrap();
    let client = Session::join(transport, JoinConfig::new("realm1"))
        .await
        .unwrap();
    (router, client, stop)
}

#[tokio::test]
async fn stubs_call_every_procedure_of_the_example() {
    let (_router, s, stop) = start().await;

    let sum: i64 = add::call(&s, 2, 3).await.unwrap();
    assert_eq!(sum, 5);
    assert_eq!(
        add::call(&s, -7, 3)
            .timeout(Duration::from_secs(5))
            .disclose_me()
            .await
            .unwrap(),
        -4
    );

    assert_eq!(divide::call(&s, 1.0, 4.0).await.unwrap(), 0.25);
    let err = divide::call(&s, 1.0, 0.0).await.unwrap_err();
    assert_eq!(err.uri(), math_service::DIVISION_BY_ZERO);
    assert_eq!(err.kind(), ErrorKind::Application);
    assert_eq!(err.text().as_deref(), Some("cannot divide by zero"));

    let st: Stats = stats::call(&s, vec![1.0, 2.0, 6.0]).await.unwrap();
    assert_eq!(
        st,
        Stats {
            count: 3,
            mean: 3.0,
            min: 1.0,
            max: 6.0
        }
    );
    let err = stats::call(&s, vec![]).await.unwrap_err();
    assert_eq!(err.uri(), math_service::EMPTY_SERIES);

    // Optional keyword arguments: left out, one, both.
    assert_eq!(round::call(&s, 2.567).await.unwrap(), 3.0);
    assert_eq!(round::call(&s, 2.567).digits(2).await.unwrap(), 2.57);
    assert_eq!(
        round::call(&s, 2.567)
            .digits(1)
            .mode(Rounding::Down)
            .await
            .unwrap(),
        2.5
    );

    // Progressive results: awaited for the final one only, or as a stream.
    assert_eq!(count_to::call(&s, 3).await.unwrap(), 3);
    let updates: Vec<Update<u32, u32>> = count_to::call(&s, 4)
        .progressive()
        .map(|u| u.unwrap())
        .collect()
        .await;
    assert_eq!(
        updates,
        vec![
            Update::Progress(1),
            Update::Progress(2),
            Update::Progress(3),
            Update::Progress(4),
            Update::Final(4)
        ]
    );
    assert_eq!(
        count_to::call(&s, 2).progressive().result().await.unwrap(),
        2
    );

    stop.stop();
}

#[tokio::test]
async fn stubs_publish_typed_events_seen_by_subscribers() {
    let (_router, s, stop) = start().await;
    let hello = Announcement {
        from: "stub".into(),
        text: "hello".into(),
    };
    // Acknowledged: the router answers with the publication ID.
    let id = on_announcement::publish(&s, &hello)
        .acknowledge()
        .await
        .unwrap();
    assert!(id.is_some());
    // Not acknowledged: nothing to wait for.
    assert_eq!(
        record::publish(&s, &hello)
            .options(wamp::PublishOptions::default())
            .await
            .unwrap(),
        None
    );
    on_room::publish(&s, "com.stubs.room.lobby", &"hi".to_owned())
        .await
        .unwrap();
    let err = on_room::publish(&s, "com.other.lobby", &"hi".to_owned())
        .acknowledge()
        .await
        .unwrap_err();
    assert_eq!(err.uri(), "wamp.error.invalid_uri");
    assert!(err.to_string().contains("com.stubs.room."), "{err}");

    // The subscriber of this test saw both announcements, typed.
    let until = async {
        loop {
            if SEEN.lock().unwrap().len() >= 2 && !ROOMS.lock().unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), until)
        .await
        .expect("the events arrive");
    let seen = SEEN.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec![
            ("com.math.announcement".to_owned(), hello.clone()),
            ("com.math.announcement".to_owned(), hello)
        ]
    );
    assert_eq!(
        ROOMS.lock().unwrap().clone(),
        vec![("com.stubs.room.lobby".to_owned(), "hi".to_owned())]
    );
    stop.stop();
}

#[tokio::test]
async fn stubs_of_patterns_kwargs_and_typed_errors() {
    let (_router, s, stop) = start().await;

    // A prefix registration takes the concrete URI.
    let r = order::call(&s, "com.stubs.order.paris", "apple".into())
        .quantity(3)
        .await
        .unwrap();
    assert_eq!(
        r,
        Receipt {
            shop: "com.stubs.order.paris".into(),
            sku: "apple".into(),
            quantity: 3
        }
    );
    // Its error, mapped back to the application type.
    let err = order::call(&s, "com.stubs.order.paris", "none".into())
        .await
        .unwrap_err();
    assert_eq!(err.uri(), OutOfStock::URI);
    assert_eq!(
        err.to_app::<OutOfStock>(),
        Some(OutOfStock { sku: "none".into() })
    );
    // A URI outside the prefix is refused before anything is sent.
    let err = order::call(&s, "com.stubs.orders.paris", "apple".into())
        .await
        .unwrap_err();
    assert_eq!(err.uri(), "wamp.error.invalid_uri");
    assert!(
        err.to_string().contains("prefix `com.stubs.order.`"),
        "{err}"
    );

    // A wildcard registration, with a required keyword argument.
    assert_eq!(
        name_of::call(&s, "com.stubs.alice.name", true)
            .await
            .unwrap(),
        "ALICE"
    );
    assert_eq!(
        name_of::call(&s, "com.stubs.bob.name", false)
            .await
            .unwrap(),
        "bob"
    );
    let err = name_of::call(&s, "com.stubs.bob.age", false)
        .await
        .unwrap_err();
    assert_eq!(err.uri(), "wamp.error.invalid_uri");

    // `#[kwargs]`, and an optional trailing positional argument.
    let how = Greeting {
        greeting: "hi".into(),
        times: 2,
    };
    assert_eq!(
        greet::call(&s, "ann".into(), how.clone()).await.unwrap(),
        "hi annhi ann"
    );
    assert_eq!(
        greet::call(&s, "ann".into(), how)
            .suffix("!".into())
            .await
            .unwrap(),
        "hi annhi ann!"
    );

    // Input in chunks (progressive call invocation), or as one chunk.
    let mut input = join::call(&s, "a".into()).start_input().await.unwrap();
    input.send(&"b".to_owned()).await.unwrap();
    let all: Vec<String> = input.finish(&"c".to_owned()).await.unwrap();
    assert_eq!(all, ["a", "b", "c"]);
    assert_eq!(join::call(&s, "only".into()).await.unwrap(), ["only"]);

    // `()` results, timeouts.
    nothing::call(&s).await.unwrap();
    let err = slow::call(&s)
        .timeout(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    stop.stop();
}
