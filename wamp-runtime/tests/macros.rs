//! `#[wamp::register]` and `#[wamp::subscribe]` end to end through the
//! embedded router over real sockets: the examples of the issue, argument
//! binding, `invalid_argument` messages, bad events, progress and
//! cancellation, the startup duplicate check and the catalog.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures_util::StreamExt;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::mpsc;
use wamp::client::{JoinConfig, TransportConfig};
use wamp::protocol::uris;
use wamp::router::{RealmConfig, Router};
use wamp::transport::ClientOptions;
use wamp::{
    ApplicationError, CallResult, CancellationToken, Component, Error, EventDetails, Progress,
    SerializerKind, Session, State,
};

const WAIT: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------
// The examples of the issue
// ---------------------------------------------------------------------------

/// Adds two numbers.
#[wamp::register("com.math.add")]
async fn add(a: i64, b: i64) -> Result<i64, wamp::Error> {
    Ok(a + b)
}

/// An item of the shop.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
struct Item {
    name: String,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
struct Receipt {
    item: String,
    quantity: u32,
    procedure: String,
    shop: String,
}

struct Shop {
    name: String,
    stock: u32,
}

#[derive(Debug)]
enum ShopError {
    OutOfStock { wanted: u32, left: u32 },
}

impl ApplicationError for ShopError {
    const URI: &'static str = "com.shop.error.out_of_stock";
    fn to_error(&self) -> Error {
        let ShopError::OutOfStock { wanted, left } = self;
        Error::new(Self::URI)
            .with_args(&(wanted, left))
            .unwrap_or_else(|_| Error::new(Self::URI))
    }
    fn from_error(error: &Error) -> Option<Self> {
        let (wanted, left) = error.args().ok()?;
        Some(ShopError::OutOfStock { wanted, left })
    }
}

#[wamp::register(
    "com.shop.order.",
    match = "prefix",
    invoke = "roundrobin",
    errors = ["com.shop.error.out_of_stock"]
)]
async fn order(
    item: Item,
    #[kwarg] quantity: Option<u32>,
    details: wamp::CallDetails,
    state: wamp::State<Shop>,
) -> Result<Receipt, ShopError> {
    let quantity = quantity.unwrap_or(1);
    if quantity > state.stock {
        return Err(ShopError::OutOfStock {
            wanted: quantity,
            left: state.stock,
        });
    }
    Ok(Receipt {
        item: item.name,
        quantity,
        procedure: details.procedure,
        shop: state.name.clone(),
    })
}

#[derive(Debug, Clone, Deserialize, JsonSchema, PartialEq)]
struct ChatMessage {
    from: String,
    text: String,
}

type Inbox = mpsc::UnboundedSender<(ChatMessage, EventDetails)>;

#[wamp::subscribe("com.chat.message")]
async fn on_message(msg: ChatMessage, details: wamp::EventDetails, inbox: State<Inbox>) {
    let _ = inbox.send((msg, details));
}

// ---------------------------------------------------------------------------
// Binding rules
// ---------------------------------------------------------------------------

/// A plain (non-async) function: positional-or-keyword, a trailing option,
/// a keyword-only option.
#[wamp::register("com.bind.mixed")]
fn mixed(a: i64, b: String, c: Option<u32>, #[kwarg] loud: Option<bool>) -> String {
    let text = format!("{a}-{b}-{c:?}");
    if loud == Some(true) {
        text.to_uppercase()
    } else {
        text
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Filter {
    limit: u32,
    #[serde(default)]
    tags: Vec<String>,
}

#[wamp::register("com.bind.kwargs")]
fn with_kwargs(query: String, #[kwargs] filter: Filter) -> (String, u32, Vec<String>) {
    (query, filter.limit, filter.tags)
}

#[wamp::register("com.bind.nothing")]
fn nothing() {}

#[wamp::register("com.bind.several")]
fn several(n: u32) -> CallResult {
    let kwargs: BTreeMap<&str, u32> = [("double", n * 2)].into_iter().collect();
    CallResult::args_kwargs(&(n, n + 1), &kwargs).unwrap_or_default()
}

/// Keyword-only and required.
#[wamp::register("com.bind.required_kw")]
fn required_kw(#[kwarg] name: String) -> String {
    format!("hello {name}")
}

// ---------------------------------------------------------------------------
// Progress and cancellation
// ---------------------------------------------------------------------------

#[wamp::register("com.long.count")]
async fn count(to: u32, progress: Progress<u32>) -> String {
    for i in 0..to {
        let _ = progress.send(&i).await;
    }
    format!("counted to {to}")
}

type Canceled = mpsc::UnboundedSender<&'static str>;

#[wamp::register("com.long.wait")]
async fn wait(cancel: CancellationToken, signal: State<Canceled>, session: Session) -> u32 {
    let _ = signal.send("started");
    let _ = session.id();
    cancel.cancelled().await;
    let _ = signal.send("canceled");
    0
}

// ---------------------------------------------------------------------------
// Duplicates (a component of their own)
// ---------------------------------------------------------------------------

#[wamp::register("test.dup.same", component = "dup")]
fn dup_one() -> u32 {
    1
}

#[wamp::register("test.dup.same", component = "dup")]
fn dup_two() -> u32 {
    2
}

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// Log lines of the whole test binary.
fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let _ = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || LogWriter(writer.clone()))
            .try_init();
        buffer
    })
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logged(text: &str) -> bool {
    String::from_utf8_lossy(&logs().lock().unwrap()).contains(text)
}

struct Setup {
    _router: Router,
    url: String,
    stop: wamp::client::StopHandle,
    inbox: mpsc::UnboundedReceiver<(ChatMessage, EventDetails)>,
    canceled: mpsc::UnboundedReceiver<&'static str>,
}

/// A router, and a component serving every collected `com.` function with
/// the given serializer, joined.
async fn setup(serializer: SerializerKind) -> Setup {
    logs();
    let (router, addr) = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let url = format!("ws://{addr}/ws");
    let (inbox_tx, inbox) = mpsc::unbounded_channel();
    let (canceled_tx, canceled) = mpsc::unbounded_channel();
    let (joined_tx, mut joined) = mpsc::unbounded_channel();
    let component = Component::builder("realm1")
        .transport_config(TransportConfig::url(
            url.clone(),
            ClientOptions::with_serializers([serializer]),
        ))
        .state(Shop {
            name: "corner shop".into(),
            stock: 5,
        })
        .state::<Inbox>(inbox_tx)
        .state::<Canceled>(canceled_tx)
        .collected_prefix("com.")
        .on_join(move |_| {
            let joined = joined_tx.clone();
            async move {
                let _ = joined.send(());
            }
        })
        .build();
    let (stop, _task) = component.start();
    tokio::time::timeout(WAIT, joined.recv())
        .await
        .unwrap()
        .unwrap();
    Setup {
        _router: router,
        url,
        stop,
        inbox,
        canceled,
    }
}

async fn caller(url: &str, serializer: SerializerKind) -> Session {
    let transport = wamp::transport::connect(url, &ClientOptions::with_serializers([serializer]))
        .await
        .unwrap();
    Session::join(transport, JoinConfig::new("realm1"))
        .await
        .unwrap()
}

fn invalid(err: &Error) -> String {
    assert_eq!(err.uri(), uris::INVALID_ARGUMENT, "{err}");
    err.text().unwrap()
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_examples_work_end_to_end_with_every_serializer() {
    for kind in SerializerKind::ALL {
        let mut s = setup(kind).await;
        let c = caller(&s.url, SerializerKind::Json).await;

        let r = c.call("com.math.add", &(2, 3)).await.unwrap();
        assert_eq!(r.get::<i64>().unwrap(), 5, "{kind}");

        let kwargs: BTreeMap<&str, u32> = [("quantity", 3)].into_iter().collect();
        let r = c
            .call("com.shop.order.apple", &(json!({"name": "apple"}),))
            .kwargs(&kwargs)
            .await
            .unwrap();
        assert_eq!(
            r.get::<Receipt>().unwrap(),
            Receipt {
                item: "apple".into(),
                quantity: 3,
                procedure: "com.shop.order.apple".into(),
                shop: "corner shop".into(),
            },
            "{kind}"
        );
        // The trailing keyword-only option may be missing.
        let r = c
            .call("com.shop.order.pear", &(json!({"name": "pear"}),))
            .await
            .unwrap();
        assert_eq!(r.get::<Receipt>().unwrap().quantity, 1);
        // The error type maps to its URI.
        let kwargs: BTreeMap<&str, u32> = [("quantity", 9)].into_iter().collect();
        let err = c
            .call("com.shop.order.apple", &(json!({"name": "apple"}),))
            .kwargs(&kwargs)
            .await
            .unwrap_err();
        assert_eq!(err.uri(), "com.shop.error.out_of_stock");
        assert!(matches!(
            err.to_app::<ShopError>(),
            Some(ShopError::OutOfStock { wanted: 9, left: 5 })
        ));

        c.publish("com.chat.message", &(json!({"from": "ann", "text": "hi"}),))
            .await
            .unwrap();
        let (msg, details) = tokio::time::timeout(WAIT, s.inbox.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            msg,
            ChatMessage {
                from: "ann".into(),
                text: "hi".into()
            }
        );
        assert_eq!(details.topic, "com.chat.message");
        s.stop.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn positional_keyword_and_optional_binding() {
    for kind in SerializerKind::ALL {
        let s = setup(kind).await;
        let c = caller(&s.url, kind).await;
        let get = |r: CallResult| r.get::<String>().unwrap();

        let r = c.call("com.bind.mixed", &(1, "x", 7)).await.unwrap();
        assert_eq!(get(r), "1-x-Some(7)", "{kind}");
        // Trailing option missing.
        let r = c.call("com.bind.mixed", &(1, "x")).await.unwrap();
        assert_eq!(get(r), "1-x-None");
        // By name.
        let kw: BTreeMap<&str, serde_json::Value> =
            [("b", json!("y")), ("c", json!(2)), ("loud", json!(true))]
                .into_iter()
                .collect();
        let r = c.call("com.bind.mixed", &(5,)).kwargs(&kw).await.unwrap();
        assert_eq!(get(r), "5-Y-SOME(2)");
        // Explicit null for an option.
        let r = c
            .call("com.bind.mixed", &(json!(1), json!("x"), json!(null)))
            .await
            .unwrap();
        assert_eq!(get(r), "1-x-None");

        // The whole kwargs as a struct.
        let kw = json!({"limit": 3, "tags": ["a"]});
        let r = c
            .call("com.bind.kwargs", &("q",))
            .kwargs(&kw)
            .await
            .unwrap();
        assert_eq!(
            r.get::<(String, u32, Vec<String>)>().unwrap(),
            ("q".into(), 3, vec!["a".into()])
        );

        // No parameters, no result.
        let r = c.call("com.bind.nothing", &()).await.unwrap();
        assert!(!r.payload.has_args());

        // Several positional and keyword results.
        let r = c.call("com.bind.several", &(4,)).await.unwrap();
        assert_eq!(r.args_as::<(u32, u32)>().unwrap(), (4, 5));
        assert_eq!(r.kwargs_as::<BTreeMap<String, u32>>().unwrap()["double"], 8);

        let kw = json!({"name": "bob"});
        let r = c
            .call("com.bind.required_kw", &())
            .kwargs(&kw)
            .await
            .unwrap();
        assert_eq!(get(r), "hello bob");
        s.stop.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_arguments_are_refused_with_exact_messages() {
    let s = setup(SerializerKind::Json).await;
    let c = caller(&s.url, SerializerKind::Json).await;

    // Wrong type: position, name, expected type, serde path.
    let err = c.call("com.math.add", &(2, "two")).await.unwrap_err();
    assert_eq!(
        invalid(&err),
        "com.math.add: argument 1 (b) must be i64: invalid type: string \"two\", expected i64 (at path .)"
    );
    // Nested: the serde path inside the value.
    let err = c
        .call("com.shop.order.apple", &(json!({"name": 5}),))
        .await
        .unwrap_err();
    assert_eq!(
        invalid(&err),
        "com.shop.order.apple: argument 0 (item) must be Item: invalid type: integer `5`, expected a string (at path name)"
    );
    // A keyword-only parameter of the wrong type.
    let kw = json!({"quantity": -1});
    let err = c
        .call("com.shop.order.apple", &(json!({"name": "x"}),))
        .kwargs(&kw)
        .await
        .unwrap_err();
    assert_eq!(
        invalid(&err),
        "com.shop.order.apple: keyword argument quantity must be Option<u32>: invalid value: integer `-1`, expected u32 (at path .)"
    );
    // Whole kwargs struct.
    let kw = json!({"limit": "many"});
    let err = c
        .call("com.bind.kwargs", &("q",))
        .kwargs(&kw)
        .await
        .unwrap_err();
    assert_eq!(
        invalid(&err),
        "com.bind.kwargs: keyword arguments must be Filter: invalid type: string \"many\", expected u32 (at path limit)"
    );
    // Missing.
    let err = c.call("com.math.add", &(2,)).await.unwrap_err();
    assert_eq!(invalid(&err), "com.math.add: missing argument 1 (b)");
    let err = c.call("com.bind.required_kw", &()).await.unwrap_err();
    assert_eq!(
        invalid(&err),
        "com.bind.required_kw: missing keyword argument name"
    );
    // Extra positional.
    let err = c.call("com.math.add", &(1, 2, 3)).await.unwrap_err();
    assert_eq!(
        invalid(&err),
        "com.math.add: too many arguments: expected at most 2, got 3"
    );
    // Unknown keyword.
    let kw = json!({"c": 1});
    let err = c
        .call("com.math.add", &(1, 2))
        .kwargs(&kw)
        .await
        .unwrap_err();
    assert_eq!(
        invalid(&err),
        "com.math.add: unexpected keyword argument c (expected one of: a, b)"
    );
    let err = c
        .call("com.bind.nothing", &())
        .kwargs(&kw)
        .await
        .unwrap_err();
    assert_eq!(
        invalid(&err),
        "com.bind.nothing: unexpected keyword argument c (it takes no keyword arguments)"
    );
    // Both by position and by keyword.
    let kw = json!({"a": 1});
    let err = c
        .call("com.math.add", &(1, 2))
        .kwargs(&kw)
        .await
        .unwrap_err();
    assert_eq!(
        invalid(&err),
        "com.math.add: argument 0 (a) is given both by position and by keyword"
    );
    // The callee logged a warning.
    assert!(logged(
        "com.math.add: argument 1 (b) must be i64: invalid type: string \"two\", expected i64 (at path .); the handler was not run"
    ));
    assert!(logs().lock().unwrap().windows(4).any(|w| w == b"WARN"));
    s.stop.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_event_is_logged_and_the_subscriber_survives() {
    let mut s = setup(SerializerKind::MsgPack).await;
    let c = caller(&s.url, SerializerKind::Json).await;
    c.publish("com.chat.message", &(json!({"from": "ann", "text": 42}),))
        .await
        .unwrap();
    c.publish(
        "com.chat.message",
        &(json!({"from": "bob", "text": "still here"}),),
    )
    .await
    .unwrap();
    let (msg, _) = tokio::time::timeout(WAIT, s.inbox.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(msg.from, "bob");
    let deadline = tokio::time::Instant::now() + WAIT;
    while !logged("com.chat.message: argument 0 (msg) must be ChatMessage:") {
        assert!(tokio::time::Instant::now() < deadline, "no warning logged");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(logged("(at path text); the handler was not run"));
    s.stop.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_and_cancellation_parameters() {
    let mut s = setup(SerializerKind::Cbor).await;
    let c = caller(&s.url, SerializerKind::Json).await;

    let mut stream = c.call("com.long.count", &(3,)).progressive().await.unwrap();
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        items.push(item.unwrap());
    }
    assert_eq!(items.len(), 4);
    for (i, item) in items.iter().take(3).enumerate() {
        assert!(item.is_progress());
        assert_eq!(item.get::<u32>().unwrap() as usize, i);
    }
    assert_eq!(items[3].get::<String>().unwrap(), "counted to 3");
    // Without progress asked for, sending does nothing.
    let r = c.call("com.long.count", &(2,)).await.unwrap();
    assert_eq!(r.get::<String>().unwrap(), "counted to 2");

    // Dropping the call interrupts the callee: its token is canceled.
    let pending = c.call("com.long.wait", &()).start().await.unwrap();
    assert_eq!(
        tokio::time::timeout(WAIT, s.canceled.recv()).await.unwrap(),
        Some("started")
    );
    drop(pending);
    assert_eq!(
        tokio::time::timeout(WAIT, s.canceled.recv()).await.unwrap(),
        Some("canceled")
    );
    s.stop.stop();
}

#[tokio::test]
async fn duplicate_uris_fail_at_startup_with_both_locations() {
    // No router listens there: the check fails before any connection.
    let component = Component::builder("realm1")
        .transport("ws://127.0.0.1:9/ws")
        .collected_component("dup")
        .build();
    let err = tokio::time::timeout(WAIT, component.run(wamp::client::StopHandle::new()))
        .await
        .expect("the check fails at once")
        .unwrap_err();
    assert_eq!(err.uri(), uris::PROCEDURE_ALREADY_EXISTS);
    let text = err.text().unwrap();
    let file = file!();
    assert!(
        text.starts_with(
            "procedure test.dup.same (exact match) is registered twice: by macros::dup_one ("
        ),
        "{text}"
    );
    assert!(text.contains(&format!("{file}:")), "{text}");
    assert!(text.contains("and by macros::dup_two ("), "{text}");
    // The same check over everything collected.
    assert!(wamp::client::collect::check().is_err());
}

#[test]
fn catalog_describes_procedures_and_topics() {
    let catalog = wamp::catalog();
    let find = |kind: &str, uri: &str| {
        catalog[kind]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["uri"] == uri)
            .cloned()
            .unwrap()
    };
    let mut add = find("procedures", "com.math.add");
    let line = add.as_object_mut().unwrap().remove("line").unwrap();
    assert!(line.as_u64().unwrap() > 20);
    let file = add.as_object_mut().unwrap().remove("file").unwrap();
    assert_eq!(file, json!(file!()));
    assert_eq!(
        add,
        json!({
            "uri": "com.math.add",
            "kind": "procedure",
            "function": "add",
            "module": "macros",
            "component": null,
            "doc": "Adds two numbers.",
            "options": {"match": "exact", "invoke": "single", "concurrency": null, "disclose_caller": false},
            "args": {
                "type": "array",
                "prefixItems": [
                    {"type": "integer", "format": "int64", "title": "a"},
                    {"type": "integer", "format": "int64", "title": "b"}
                ],
                "items": false,
                "minItems": 2
            },
            "kwargs": {
                "type": "object",
                "properties": {
                    "a": {"type": "integer", "format": "int64", "title": "a"},
                    "b": {"type": "integer", "format": "int64", "title": "b"}
                },
                "additionalProperties": false
            },
            "result": {"type": "integer", "format": "int64"},
            "progress": null,
            "errors": []
        })
    );

    let order = find("procedures", "com.shop.order.");
    assert_eq!(
        order["options"],
        json!({"match": "prefix", "invoke": "roundrobin", "concurrency": null, "disclose_caller": false})
    );
    assert_eq!(order["errors"], json!(["com.shop.error.out_of_stock"]));
    assert_eq!(order["args"]["prefixItems"][0]["$ref"], "#/$defs/Item");
    assert_eq!(
        order["kwargs"]["properties"]["quantity"]["title"],
        "quantity"
    );
    assert_eq!(order["result"]["$ref"], "#/$defs/Receipt");
    assert_eq!(
        catalog["$defs"]["Item"]["description"],
        "An item of the shop."
    );
    assert_eq!(
        find("procedures", "com.long.count")["progress"],
        json!({"type": "integer", "format": "uint32", "minimum": 0})
    );
    let topic = find("topics", "com.chat.message");
    assert_eq!(
        topic["options"],
        json!({"match": "exact", "get_retained": false})
    );
    assert_eq!(topic["result"], json!(null));
}

/// `collected_renamed` serves collected functions under another prefix, and
/// the schema the router keeps for reflection names the URI really registered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renamed_functions_are_served_and_described_under_their_new_uri() {
    let (_router, addr) = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let url = format!("ws://{addr}/ws");
    let (joined_tx, mut joined) = mpsc::unbounded_channel();
    let component = Component::builder("realm1")
        .transport(&url)
        .collected_renamed("com.math.", "org.calc.")
        .on_join(move |_| {
            let joined = joined_tx.clone();
            async move {
                let _ = joined.send(());
            }
        })
        .build();
    let (stop, _task) = component.start();
    tokio::time::timeout(WAIT, joined.recv())
        .await
        .unwrap()
        .unwrap();
    let transport = wamp::transport::connect(&url, &ClientOptions::default())
        .await
        .unwrap();
    let client = Session::join(transport, JoinConfig::new("realm1"))
        .await
        .unwrap();

    let sum: i64 = client
        .call("org.calc.add", &(20, 22))
        .await
        .unwrap()
        .get()
        .unwrap();
    assert_eq!(sum, 42);
    let missing = client.call("com.math.add", &(1, 2)).await.unwrap_err();
    assert_eq!(missing.uri(), uris::NO_SUCH_PROCEDURE);

    let described: serde_json::Value = client
        .call("wamp.reflection.procedure.describe", &("org.calc.add",))
        .await
        .unwrap()
        .get()
        .unwrap();
    assert_eq!(described["schema_known"], true);
    assert_eq!(described["uri"], "org.calc.add");
    assert_eq!(described["doc"], "Adds two numbers.");
    stop.stop();
}
