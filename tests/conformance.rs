//! Conformance with the official WAMP test vectors (`wamp-proto/testsuite`).
//!
//! Every `singlemessage` sample is decoded from each of its JSON, MessagePack and
//! CBOR byte variants and checked against its `expected_attributes`; the decoded
//! message is re-encoded in every serializer and checked again. Every invalid
//! sample (`expected_error`) is encoded in each serializer and must be rejected
//! as a protocol violation naming the offending key.
//!
//! The vectors are read from `$WAMP_TESTSUITE_DIR` or `../shared/wamp-testsuite`;
//! the test fails when they are missing.

use std::path::Path;

use bytes::Bytes;
use serde_json::{Map, Value as J, json};
use wamp::SerializerKind;
use wamp::protocol::{FieldType, Message, Payload};
use wamp_tests::{testsuite_dir, value_to_json};

/// Everything a test vector may ask about a message, under each name the
/// vectors use for it.
fn attributes(msg: &Message) -> Map<String, J> {
    let mut a = Map::new();
    let mut put = |k: &str, v: J| {
        a.insert(k.to_owned(), v);
    };
    put("message_type", json!(msg.message_type().code()));
    let dict = |d: wamp::protocol::Dict| value_to_json(&wamp::Value::Dict(d));
    match msg {
        Message::Hello(m) => {
            put("realm", json!(m.realm.as_str()));
            put("details", dict(m.details.to_dict()));
            put(
                "roles",
                m.details
                    .roles
                    .as_ref()
                    .map_or(J::Null, |r| value_to_json(&r.to_value())),
            );
        }
        Message::Welcome(m) => {
            put("session_id", json!(m.session));
            put("session", json!(m.session));
            put("details", dict(m.details.to_dict()));
            put(
                "roles",
                m.details
                    .roles
                    .as_ref()
                    .map_or(J::Null, |r| value_to_json(&r.to_value())),
            );
        }
        Message::Abort(m) => {
            put("details", dict(m.details.to_dict()));
            put("reason", json!(m.reason.as_str()));
        }
        Message::Challenge(m) => {
            put("method", json!(m.authmethod));
            put("authmethod", json!(m.authmethod));
            put("extra", dict(m.extra.to_dict()));
        }
        Message::Authenticate(m) => {
            put("signature", json!(m.signature));
            put("extra", dict(m.extra.to_dict()));
        }
        Message::Goodbye(m) => {
            put("details", dict(m.details.to_dict()));
            put("reason", json!(m.reason.as_str()));
        }
        Message::Error(m) => {
            put("request_type", json!(m.request_type.code()));
            put("request_id", json!(m.request));
            put("details", dict(m.details.to_dict()));
            put("error", json!(m.error.as_str()));
        }
        Message::Publish(m) => {
            put("request_id", json!(m.request));
            put("options", dict(m.options.to_dict()));
            put("topic", json!(m.topic.as_str()));
        }
        Message::Published(m) => {
            put("request_id", json!(m.request));
            put("publication_id", json!(m.publication));
            put("publication", json!(m.publication));
        }
        Message::Subscribe(m) => {
            put("request_id", json!(m.request));
            put("options", dict(m.options.to_dict()));
            put("topic", json!(m.topic.as_str()));
        }
        Message::Subscribed(m) => {
            put("request_id", json!(m.request));
            put("subscription_id", json!(m.subscription));
            put("subscription", json!(m.subscription));
        }
        Message::Unsubscribe(m) => {
            put("request_id", json!(m.request));
            put("subscription_id", json!(m.subscription));
            put("subscription", json!(m.subscription));
        }
        Message::Unsubscribed(m) => {
            put("request_id", json!(m.request));
            put(
                "details",
                m.details.as_ref().map_or(J::Null, |d| dict(d.to_dict())),
            );
        }
        Message::Event(m) => {
            put("subscription_id", json!(m.subscription));
            put("subscription", json!(m.subscription));
            put("publication_id", json!(m.publication));
            put("publication", json!(m.publication));
            put("details", dict(m.details.to_dict()));
        }
        Message::Call(m) => {
            put("request_id", json!(m.request));
            put("options", dict(m.options.to_dict()));
            put("procedure", json!(m.procedure.as_str()));
        }
        Message::Cancel(m) => {
            put("request_id", json!(m.request));
            put("options", dict(m.options.to_dict()));
        }
        Message::Result(m) => {
            put("request_id", json!(m.request));
            put("details", dict(m.details.to_dict()));
        }
        Message::Register(m) => {
            put("request_id", json!(m.request));
            put("options", dict(m.options.to_dict()));
            put("procedure", json!(m.procedure.as_str()));
        }
        Message::Registered(m) => {
            put("request_id", json!(m.request));
            put("registration_id", json!(m.registration));
            put("registration", json!(m.registration));
        }
        Message::Unregister(m) => {
            put("request_id", json!(m.request));
            put("registration_id", json!(m.registration));
            put("registration", json!(m.registration));
        }
        Message::Unregistered(m) => {
            put("request_id", json!(m.request));
            put(
                "details",
                m.details.as_ref().map_or(J::Null, |d| dict(d.to_dict())),
            );
        }
        Message::Invocation(m) => {
            put("request_id", json!(m.request));
            put("registration_id", json!(m.registration));
            put("registration", json!(m.registration));
            put("details", dict(m.details.to_dict()));
        }
        Message::Interrupt(m) => {
            put("request_id", json!(m.request));
            put("options", dict(m.options.to_dict()));
        }
        Message::Yield(m) => {
            put("request_id", json!(m.request));
            put("options", dict(m.options.to_dict()));
        }
        Message::EventReceived(m) => {
            put("publication_id", json!(m.publication));
            put("publication", json!(m.publication));
        }
    }
    if let Some(payload) = msg.payload() {
        payload_attributes(payload, &mut a);
    }
    a
}

fn payload_attributes(payload: &Payload, a: &mut Map<String, J>) {
    let args = payload
        .has_args()
        .then(|| payload.args_values().expect("args decode"))
        .map_or(J::Null, |v| value_to_json(&wamp::Value::List(v)));
    let kwargs = payload
        .has_kwargs()
        .then(|| payload.kwargs_values().expect("kwargs decode"))
        .map_or(J::Null, |v| value_to_json(&wamp::Value::Dict(v)));
    a.insert("args".into(), args);
    a.insert("kwargs".into(), kwargs);
    a.insert(
        "payload".into(),
        payload
            .transparent_bytes()
            .map_or(J::Null, |b| J::String(hex::encode(b))),
    );
}

/// Compares expected attributes with the decoded ones. An empty expected list or
/// dict matches an absent part, since trailing empty parts may be omitted.
fn check(expected: &Map<String, J>, msg: &Message, what: &str) {
    let actual = attributes(msg);
    for (key, want) in expected {
        let Some(got) = actual.get(key) else {
            panic!(
                "{what}: the harness knows no attribute `{key}` for {:?}",
                msg.message_type()
            );
        };
        let empty = matches!(want, J::Array(a) if a.is_empty())
            || matches!(want, J::Object(o) if o.is_empty());
        if want != got && !(empty && got.is_null()) {
            panic!("{what}: attribute `{key}`: expected {want}, decoded {got}");
        }
    }
}

fn variant_bytes(variant: &J) -> Vec<u8> {
    let hex_text = variant["bytes_hex"].as_str().expect("bytes_hex");
    hex::decode(hex_text).expect("valid hex")
}

fn encode_wmsg(kind: SerializerKind, wmsg: &J) -> Vec<u8> {
    match kind {
        SerializerKind::Json => serde_json::to_vec(wmsg).unwrap(),
        SerializerKind::MsgPack => rmp_serde::to_vec(wmsg).unwrap(),
        SerializerKind::Cbor => {
            let mut out = Vec::new();
            ciborium::into_writer(wmsg, &mut out).unwrap();
            out
        }
    }
}

#[derive(Default)]
struct Tally {
    files: usize,
    samples: usize,
    decoded: [usize; 3],
    byte_exact: [usize; 3],
    rejected: usize,
    accepted: usize,
}

fn index(kind: SerializerKind) -> usize {
    match kind {
        SerializerKind::Json => 0,
        SerializerKind::MsgPack => 1,
        SerializerKind::Cbor => 2,
    }
}

fn run_valid_sample(file: &str, sample: &J, expected: &Map<String, J>, tally: &mut Tally) {
    let desc = sample["description"].as_str().unwrap_or("?");
    let mut any = false;
    for kind in SerializerKind::ALL {
        let Some(variants) = sample["serializers"][kind.name()].as_array() else {
            continue;
        };
        let mut decoded_one = false;
        for variant in variants {
            let bytes = variant_bytes(variant);
            let what = format!("{file} / {desc} / {kind}");
            let msg = kind
                .decode(Bytes::from(bytes.clone()))
                .unwrap_or_else(|e| panic!("{what}: failed to decode: {e}"));
            check(expected, &msg, &what);
            decoded_one = true;
            tally.decoded[index(kind)] += 1;
            // Our own encoding decodes to the same attributes in every serializer.
            for target in SerializerKind::ALL {
                let encoded = target
                    .encode(&msg)
                    .unwrap_or_else(|e| panic!("{what}: encode as {target}: {e}"));
                if target == kind
                    && variants
                        .iter()
                        .any(|v| variant_bytes(v) == encoded.as_ref())
                {
                    tally.byte_exact[index(kind)] += 1;
                }
                let again = target.decode(encoded).unwrap_or_else(|e| {
                    panic!("{what}: re-encoded as {target} fails to decode: {e}")
                });
                check(expected, &again, &format!("{what} -> {target}"));
                assert_eq!(
                    again, msg,
                    "{what}: {target} round trip changed the message"
                );
            }
        }
        assert!(decoded_one, "{file} / {desc}: no {kind} variant");
        any = true;
    }
    assert!(any, "{file} / {desc}: no json, msgpack or cbor bytes");
}

fn run_invalid_sample(file: &str, sample: &J, tally: &mut Tally) {
    let desc = sample["description"].as_str().unwrap_or("?");
    let wmsg = &sample["wmsg"];
    let error = &sample["expected_error"];
    assert_eq!(
        error["type"], "protocol_violation",
        "{file} / {desc}: unknown error type"
    );
    let key = error["contains"].as_str().expect("contains");
    for kind in SerializerKind::ALL {
        let bytes = encode_wmsg(kind, wmsg);
        match kind.decode(Bytes::from(bytes)) {
            Ok(msg) => panic!("{file} / {desc} / {kind}: accepted an invalid message: {msg:?}"),
            Err(e) => {
                let text = e.to_string();
                assert!(
                    text.contains(key),
                    "{file} / {desc} / {kind}: error `{text}` does not name `{key}`"
                );
            }
        }
    }
    tally.rejected += 1;
}

/// A valid message given as a plain list (`wmsg`): every serializer accepts it,
/// keeps every option, and round-trips it.
fn run_valid_wmsg(file: &str, sample: &J, tally: &mut Tally) {
    let desc = sample["description"].as_str().unwrap_or("?");
    let wmsg = &sample["wmsg"];
    for kind in SerializerKind::ALL {
        let what = format!("{file} / {desc} / {kind}");
        let msg = kind
            .decode(Bytes::from(encode_wmsg(kind, wmsg)))
            .unwrap_or_else(|e| panic!("{what}: rejected a valid message: {e}"));
        let attrs = attributes(&msg);
        let dict = attrs
            .get("options")
            .or_else(|| attrs.get("details"))
            .expect("options or details");
        assert_eq!(
            dict,
            &wmsg[if msg.message_type() == wamp::protocol::MessageType::Event {
                3
            } else {
                2
            }],
            "{what}: options changed"
        );
        let again = kind.decode(kind.encode(&msg).unwrap()).unwrap();
        assert_eq!(again, msg, "{what}: round trip changed the message");
    }
    tally.accepted += 1;
}

fn run_file(path: &Path, tally: &mut Tally) {
    let file = path
        .strip_prefix(testsuite_dir())
        .unwrap_or(path)
        .display()
        .to_string();
    let doc: J = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let samples = doc["samples"]
        .as_array()
        .unwrap_or_else(|| panic!("{file}: no samples"));
    tally.files += 1;
    for sample in samples {
        tally.samples += 1;
        if sample.get("expected_error").is_some() {
            run_invalid_sample(&file, sample, tally);
        } else if sample.get("expected_attributes").is_none() {
            run_valid_wmsg(&file, sample, tally);
        } else {
            let expected = sample["expected_attributes"]
                .as_object()
                .expect("expected_attributes");
            run_valid_sample(&file, sample, expected, tally);
        }
    }
}

fn json_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[test]
fn singlemessage_vectors() {
    let dir = testsuite_dir().join("singlemessage");
    assert!(
        dir.is_dir(),
        "WAMP test vectors not found at {}: set WAMP_TESTSUITE_DIR to the testsuite folder",
        dir.display()
    );
    let mut files = Vec::new();
    json_files(&dir, &mut files);
    files.sort();
    let mut tally = Tally::default();
    for file in &files {
        run_file(file, &mut tally);
    }
    eprintln!(
        "conformance: {} files, {} samples; decoded json {} / msgpack {} / cbor {} byte variants \
         (re-encoded byte-exact: {} / {} / {}); accepted {} valid and rejected {} invalid plain messages in each of the 3 serializers",
        tally.files,
        tally.samples,
        tally.decoded[0],
        tally.decoded[1],
        tally.decoded[2],
        tally.byte_exact[0],
        tally.byte_exact[1],
        tally.byte_exact[2],
        tally.accepted,
        tally.rejected
    );
    assert!(
        tally.files >= 20
            && tally.rejected > 0
            && tally.accepted > 0
            && tally.decoded.iter().all(|n| *n > 0)
    );
}
