//! Micro-benchmarks of the envelope codec (`SerializerKind::decode` and
//! `SerializerKind::encode`, the path every client and the router take):
//!
//! - decoding a CALL and an INVOCATION frame, JSON and MessagePack, with small
//!   arguments (`[2, 3], {"c": "hello"}`) and with a ~1 KiB payload;
//! - encoding one EVENT for 100 subscribers: once per serializer (what the
//!   router's shared outbox message does) against once per subscriber.
//!
//! Every iteration checks what it decoded or encoded (a wrong result panics).
//!
//! ```text
//! cargo bench -p wamp-runtime --bench codec
//! ```

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]
use std::hint::black_box;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde::Serialize;
use wamp::protocol::options::{InvocationDetails, WireEventDetails};
use wamp::protocol::{Call, Event, Invocation, Message, Uri};
use wamp::{Payload, SerializerKind};

const KINDS: [SerializerKind; 2] = [SerializerKind::Json, SerializerKind::MsgPack];
const REQUEST: u64 = 7_000_001;
const SUBSCRIBERS: usize = 100;

#[derive(Serialize)]
struct Kw<'a> {
    c: &'a str,
}

/// The two payload sizes: `small` (two integers and a short keyword string)
/// and `1k` (the same plus a ~1 KiB string argument).
fn payload(kind: SerializerKind, large: bool) -> Payload {
    if large {
        let text = "x".repeat(1000);
        Payload::encode(kind, &(2, 3, text), &Kw { c: "hello" }).unwrap()
    } else {
        Payload::encode(kind, &(2, 3), &Kw { c: "hello" }).unwrap()
    }
}

fn call_frame(kind: SerializerKind, large: bool) -> Bytes {
    let call = Call::new(
        REQUEST,
        Uri::new("bench.add").unwrap(),
        payload(kind, large),
    );
    kind.encode(&Message::Call(call)).unwrap()
}

fn invocation_frame(kind: SerializerKind, large: bool) -> Bytes {
    let inv = Invocation {
        request: REQUEST,
        registration: 42,
        details: InvocationDetails {
            procedure: Some("bench.add".into()),
            ..InvocationDetails::default()
        },
        payload: payload(kind, large),
    };
    kind.encode(&Message::Invocation(inv)).unwrap()
}

/// The payload of a decoded CALL or INVOCATION, checked: request ID, and
/// the arguments as encoded.
fn checked_payload(message: &Message, large: bool) -> &Payload {
    let (request, payload) = match message {
        Message::Call(c) => (c.request, &c.payload),
        Message::Invocation(i) => (i.request, &i.payload),
        other => panic!("decoded the wrong message: {other:?}"),
    };
    assert_eq!(request, REQUEST);
    let args = payload.raw_args().expect("arguments present");
    assert!(args.len() > if large { 1000 } else { 2 });
    payload
}

fn decode(c: &mut Criterion) {
    for (name, frame_of) in [
        (
            "decode CALL",
            call_frame as fn(SerializerKind, bool) -> Bytes,
        ),
        ("decode INVOCATION", invocation_frame),
    ] {
        let mut group = c.benchmark_group(name);
        for kind in KINDS {
            for large in [false, true] {
                let frame = frame_of(kind, large);
                // Full check once: the arguments decode to what was sent.
                let message = kind.decode(frame.clone()).unwrap();
                let p = checked_payload(&message, large);
                let (a, b): (i64, i64) = if large {
                    let (a, b, s): (i64, i64, String) = p.args().unwrap();
                    assert_eq!(s.len(), 1000);
                    (a, b)
                } else {
                    p.args().unwrap()
                };
                assert_eq!((a, b), (2, 3));
                let size = if large { "1k" } else { "small" };
                group.throughput(Throughput::Bytes(frame.len() as u64));
                group.bench_with_input(
                    BenchmarkId::new(kind.name(), size),
                    &frame,
                    |bench, frame| {
                        bench.iter(|| {
                            let m = kind.decode(black_box(frame.clone())).unwrap();
                            checked_payload(&m, large);
                            m
                        })
                    },
                );
            }
        }
        group.finish();
    }
}

fn event(kind: SerializerKind, subscription: u64) -> Message {
    Message::Event(Event {
        subscription,
        publication: 99,
        details: WireEventDetails::default(),
        payload: payload(kind, false),
    })
}

/// A frame of `kind` holds the EVENT's IDs and payload (checked by decoding it).
fn check_event_frame(kind: SerializerKind, frame: &Bytes) {
    match kind.decode(frame.clone()).unwrap() {
        Message::Event(e) => {
            assert_eq!(e.publication, 99);
            assert_eq!(e.payload.args::<(i64, i64)>().unwrap(), (2, 3));
        }
        other => panic!("encoded the wrong message: {other:?}"),
    }
}

fn encode_event(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("encode EVENT x{SUBSCRIBERS}"));
    group.throughput(Throughput::Elements(SUBSCRIBERS as u64));
    for kind in KINDS {
        // The payload as a publisher's PUBLISH brings it: raw, in `kind`.
        let msg = event(kind, 1);
        check_event_frame(kind, &kind.encode(&msg).unwrap());
        // Once per serializer: one frame, shared by every subscriber (a
        // reference-counted clone each).
        group.bench_function(BenchmarkId::new(kind.name(), "once"), |bench| {
            bench.iter(|| {
                let frame = kind.encode(black_box(&msg)).unwrap();
                let frames: Vec<Bytes> = (0..SUBSCRIBERS).map(|_| frame.clone()).collect();
                assert_eq!(frames.len(), SUBSCRIBERS);
                assert!(frames[SUBSCRIBERS - 1].len() > 10);
                frames
            })
        });
        // Once per subscriber (each with its own subscription ID, as WAMP
        // would need without sharing one subscription).
        let per: Vec<Message> = (0..SUBSCRIBERS as u64).map(|s| event(kind, s)).collect();
        check_event_frame(kind, &kind.encode(&per[3]).unwrap());
        group.bench_function(BenchmarkId::new(kind.name(), "per subscriber"), |bench| {
            bench.iter(|| {
                let frames: Vec<Bytes> = black_box(&per)
                    .iter()
                    .map(|m| kind.encode(m).unwrap())
                    .collect();
                assert_eq!(frames.len(), SUBSCRIBERS);
                assert!(frames[SUBSCRIBERS - 1].len() > 10);
                frames
            })
        });
    }
    group.finish();
}

criterion_group!(benches, decode, encode_event);
criterion_main!(benches);
