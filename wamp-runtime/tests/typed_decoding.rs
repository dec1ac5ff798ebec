//! Typed decoding is the same in JSON, MessagePack and CBOR, over WebSocket
//! and RawSocket: one table of (Rust type, wire value, outcome), each row run
//! as real calls through the embedded router, both ways:
//!
//! - into a `#[wamp::register]` parameter of that type (the callee decodes);
//! - into `CallResult::get::<T>()` (the caller decodes what a callee returned).
//!
//! Caller and callee share the serializer, so the wire value reaches the
//! decoder as the caller encoded it (no transcoding in between).

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_bytes::ByteBuf;
use tokio::sync::mpsc;
use wamp::client::{JoinConfig, TransportConfig, procedure};
use wamp::protocol::Dict;
use wamp::protocol::uris;
use wamp::router::{RealmConfig, Router};
use wamp::transport::ClientOptions;
use wamp::{CallResult, Component, Payload, RegisterOptions, SerializerKind, Session, Value};

const WAIT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------
// Callees: one typed parameter each, answering with its `Debug` form.
// ---------------------------------------------------------------------------

#[wamp::register("typed.f64")]
fn take_f64(a: f64) -> String {
    format!("{a:?}")
}

#[wamp::register("typed.f32")]
fn take_f32(a: f32) -> String {
    format!("{a:?}")
}

#[wamp::register("typed.i64")]
fn take_i64(a: i64) -> String {
    format!("{a:?}")
}

#[wamp::register("typed.i32")]
fn take_i32(a: i32) -> String {
    format!("{a:?}")
}

#[wamp::register("typed.u8")]
fn take_u8(a: u8) -> String {
    format!("{a:?}")
}

#[wamp::register("typed.opt")]
fn take_opt(a: Option<f64>) -> String {
    format!("{a:?}")
}

#[wamp::register("typed.string")]
fn take_string(a: String) -> String {
    format!("{a:?}")
}

#[wamp::register("typed.vec_u8")]
fn take_vec_u8(a: Vec<u8>) -> String {
    format!("{a:?}")
}

/// Binary data as `serde_bytes::ByteBuf`.
#[derive(Debug, Deserialize, JsonSchema)]
struct Blob(#[schemars(with = "Vec<u8>")] ByteBuf);

#[wamp::register("typed.blob")]
fn take_blob(a: Blob) -> String {
    format!("{:?}", a.0.into_vec())
}

#[wamp::register("typed.map")]
fn take_map(a: BTreeMap<String, f64>) -> String {
    format!("{a:?}")
}

/// A struct with a required and an optional field (read through `Debug`).
#[derive(Debug, Deserialize, JsonSchema)]
#[allow(dead_code)]
struct Point {
    x: f64,
    y: Option<i32>,
}

#[wamp::register("typed.point")]
fn take_point(a: Point) -> String {
    format!("{a:?}")
}

// ---------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------

/// What the caller sends as its only argument.
#[derive(Clone)]
enum Wire {
    /// A value, encoded in the caller's serializer.
    Value(Value),
    /// No argument at all.
    Missing,
    /// `{1: 2}`: a dict with an integer key (MessagePack and CBOR only: JSON
    /// has no such dict).
    IntKey,
}

/// One row: the Rust type, the procedure taking it, the wire value, and the
/// outcome: `Ok(Debug form)` or `Err(a fragment of the error)`.
struct Row {
    ty: &'static str,
    procedure: &'static str,
    wire: Wire,
    get: fn(&CallResult) -> Result<String, String>,
    expect: Result<&'static str, &'static str>,
}

macro_rules! row {
    ($ty:ty, $procedure:literal, $wire:expr, $expect:expr) => {
        Row {
            ty: stringify!($ty),
            procedure: $procedure,
            wire: $wire,
            get: |r| {
                r.get::<$ty>()
                    .map(|v| format!("{v:?}"))
                    .map_err(|e| e.to_string())
            },
            expect: $expect,
        }
    };
}

fn v(value: impl Into<Value>) -> Wire {
    Wire::Value(value.into())
}

fn dict(entries: &[(&str, Value)]) -> Wire {
    Wire::Value(Value::Dict(
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<Dict>(),
    ))
}

fn table() -> Vec<Row> {
    let blob = || v(vec![1u8, 2, 255]);
    vec![
        // Integers fill floats.
        row!(f64, "typed.f64", v(Value::UInt(2)), Ok("2.0")),
        row!(f64, "typed.f64", v(Value::Int(-7)), Ok("-7.0")),
        row!(f32, "typed.f32", v(Value::UInt(5)), Ok("5.0")),
        row!(f64, "typed.f64", v(2.5), Ok("2.5")),
        row!(
            f64,
            "typed.f64",
            v(Value::UInt((1 << 53) + 1)),
            Ok("9007199254740992.0")
        ),
        // Whole floats fill integers; others are refused.
        row!(i64, "typed.i64", v(2.0), Ok("2")),
        row!(u8, "typed.u8", v(255.0), Ok("255")),
        row!(
            i64,
            "typed.i64",
            v(2.5),
            Err("invalid value: floating point `2.5`, expected i64")
        ),
        // Integers fill other widths only in range.
        row!(i32, "typed.i32", v(Value::Int(-5)), Ok("-5")),
        row!(
            u8,
            "typed.u8",
            v(Value::UInt(300)),
            Err("invalid value: integer `300`, expected u8")
        ),
        // Binary data.
        row!(Vec<u8>, "typed.vec_u8", blob(), Ok("[1, 2, 255]")),
        row!(ByteBuf, "typed.blob", blob(), Ok("[1, 2, 255]")),
        row!(
            String,
            "typed.string",
            blob(),
            Err("invalid type: byte array, expected a string")
        ),
        row!(
            String,
            "typed.string",
            v(Value::UInt(2)),
            Err("invalid type: integer `2`, expected a string")
        ),
        // `null` vs missing.
        row!(Option<f64>, "typed.opt", v(Value::Null), Ok("None")),
        row!(Option<f64>, "typed.opt", Wire::Missing, Ok("None")),
        row!(Option<f64>, "typed.opt", v(Value::UInt(3)), Ok("Some(3.0)")),
        row!(
            f64,
            "typed.f64",
            v(Value::Null),
            Err("invalid type: null, expected f64")
        ),
        row!(
            Point,
            "typed.point",
            dict(&[("x", Value::UInt(1))]),
            Ok("Point { x: 1.0, y: None }")
        ),
        row!(
            Point,
            "typed.point",
            dict(&[("x", Value::UInt(1)), ("y", Value::Null)]),
            Ok("Point { x: 1.0, y: None }")
        ),
        row!(
            Point,
            "typed.point",
            dict(&[("x", Value::Float(1.5)), ("y", Value::Float(4.0))]),
            Ok("Point { x: 1.5, y: Some(4) }")
        ),
        row!(
            Point,
            "typed.point",
            dict(&[("x", Value::Null)]),
            Err("invalid type: null, expected f64")
        ),
        // Dicts: string keys only where strings or fields are expected.
        row!(
            BTreeMap<String, f64>,
            "typed.map",
            dict(&[("a", Value::UInt(1))]),
            Ok("{\"a\": 1.0}")
        ),
        row!(
            BTreeMap<String, f64>,
            "typed.map",
            Wire::IntKey,
            Err("dict key integer `1` is not a string")
        ),
        row!(
            Point,
            "typed.point",
            Wire::IntKey,
            Err("dict key integer `1` is not a string")
        ),
    ]
}

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// The arguments of a row in `kind`; `None` when JSON cannot carry them.
fn payload(kind: SerializerKind, wire: &Wire) -> Option<Payload> {
    match wire {
        Wire::Value(value) => Some(Payload::encode_args(kind, &[value]).unwrap()),
        Wire::Missing => Some(Payload::empty()),
        Wire::IntKey if kind == SerializerKind::Json => None,
        Wire::IntKey => {
            Some(Payload::encode_args(kind, &[BTreeMap::from([(1u8, 2.0f64)])]).unwrap())
        }
    }
}

/// A router, a component with the `typed.` callees and an echo (returning
/// its arguments as they came) on `url`'s transport, and a caller, all with
/// `kind`.
async fn setup(
    kind: SerializerKind,
    rawsocket: bool,
) -> (Router, wamp::client::StopHandle, Session) {
    let (router, addr) = Router::builder()
        .realm(RealmConfig::open("realm1"))
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let url = if rawsocket {
        format!("rs://{addr}")
    } else {
        format!("ws://{addr}/ws")
    };
    let options = ClientOptions::with_serializers([kind]);
    let (joined_tx, mut joined) = mpsc::unbounded_channel();
    let component = Component::builder("realm1")
        .transport_config(TransportConfig::url(url.clone(), options.clone()))
        .collected_prefix("typed.")
        .procedure(
            "echo.args",
            RegisterOptions::default(),
            procedure(|inv| async move { Ok(CallResult::from_payload(inv.payload)) }),
        )
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
        .expect("the component joins")
        .unwrap();
    let transport = wamp::transport::connect(&url, &options).await.unwrap();
    assert_eq!(transport.serializer, kind);
    let caller = Session::join(transport, JoinConfig::new("realm1"))
        .await
        .unwrap();
    (router, stop, caller)
}

/// Checks one outcome against the row's expectation.
fn check(
    what: &str,
    outcome: Result<String, String>,
    expect: Result<&str, &str>,
) -> Option<String> {
    let fine = match (&outcome, expect) {
        (Ok(got), Ok(want)) => got == want,
        (Err(got), Err(fragment)) => got.contains(fragment),
        _ => false,
    };
    (!fine).then(|| format!("{what}: got {outcome:?}, expected {expect:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_typed_calls_decode_alike_in_every_serializer_and_transport() {
    let mut failures = Vec::new();
    let mut runs = 0;
    for kind in SerializerKind::ALL {
        for rawsocket in [false, true] {
            let transport = if rawsocket { "rawsocket" } else { "websocket" };
            let (_router, stop, caller) = setup(kind, rawsocket).await;
            for row in table() {
                let Some(args) = payload(kind, &row.wire) else {
                    continue;
                };
                let what = |side: &str| format!("{kind}/{transport} {} {side}", row.ty);

                // The callee decodes into its parameter.
                let called =
                    tokio::time::timeout(WAIT, caller.call_payload(row.procedure, args.clone()))
                        .await
                        .expect("the call ends");
                let outcome = match called {
                    Ok(r) => r.get::<String>().map_err(|e| format!("bad reply: {e}")),
                    Err(e) if e.uri() == uris::INVALID_ARGUMENT => {
                        Err(e.text().unwrap_or_default())
                    }
                    Err(e) => Err(format!("unexpected error {e}")),
                };
                failures.extend(check(&what("as a parameter"), outcome, row.expect));

                // The caller decodes what a callee returned.
                let echoed = tokio::time::timeout(WAIT, caller.call_payload("echo.args", args))
                    .await
                    .expect("the call ends")
                    .expect("the echo answers");
                failures.extend(check(&what("from get()"), (row.get)(&echoed), row.expect));
                runs += 1;
            }
            stop.stop();
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // 25 rows in 3 serializers and 2 transports; the 2 integer-key rows skip JSON.
    assert_eq!(runs, 25 * 6 - 2 * 2);
}
