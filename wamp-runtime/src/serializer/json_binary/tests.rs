//! Tests of the JSON binary convention: the spec vector, nested binary fields,
//! transcoding, and agreement with the dynamic value.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

use super::binary_from_text;
use crate::serializer::{Dict, Format, Json, SerializerKind, Value, parts};

/// The spec's test vector (advanced/serialization_binary_json.md).
const VECTOR: [u8; 16] = [
    0x10, 0xe3, 0xff, 0x90, 0x53, 0x07, 0x5c, 0x52, 0x6f, 0x5f, 0xc0, 0x6d, 0x4f, 0xe3, 0x7c, 0xdb,
];
const VECTOR_JSON: &str = r#""\u0000EOP/kFMHXFJvX8BtT+N82w==""#;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Inner {
    tag: String,
    blob: ByteBuf,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Kind {
    Unit,
    Blob(ByteBuf),
    Pair(ByteBuf, u8),
    Named { blob: ByteBuf, label: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum Loose {
    Text(String),
    Blob(ByteBuf),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Record {
    name: String,
    data: ByteBuf,
    #[serde(with = "serde_bytes")]
    raw: Vec<u8>,
    plain: Vec<u8>,
    maybe: Option<ByteBuf>,
    none: Option<ByteBuf>,
    list: Vec<ByteBuf>,
    map: BTreeMap<String, ByteBuf>,
    inner: Inner,
    kinds: Vec<Kind>,
    loose: Vec<Loose>,
    any: Value,
    nul_text: String,
    nul_base64_text: String,
}

fn record() -> Record {
    Record {
        name: "plain text".into(),
        data: ByteBuf::from(VECTOR.to_vec()),
        raw: vec![0, 1, 2, 255],
        plain: vec![7, 8],
        maybe: Some(ByteBuf::from(vec![9])),
        none: None,
        list: vec![ByteBuf::new(), ByteBuf::from(vec![1, 2, 3])],
        map: [("k".to_owned(), ByteBuf::from(vec![42]))].into(),
        inner: Inner {
            tag: "\0not base64!".into(),
            blob: ByteBuf::from(vec![0xde, 0xad]),
        },
        kinds: vec![
            Kind::Unit,
            Kind::Blob(ByteBuf::from(vec![1])),
            Kind::Pair(ByteBuf::from(vec![2]), 3),
            Kind::Named {
                blob: ByteBuf::from(vec![4]),
                label: "five".into(),
            },
        ],
        loose: vec![
            // Not UTF-8, so that it cannot pass for a `Text`.
            Loose::Blob(ByteBuf::from(vec![0xff, 0x00])),
            Loose::Text("text".into()),
        ],
        any: Value::List(vec![Value::Bytes(vec![1, 2]), Value::String("s".into())]),
        nul_text: "\0x".into(),
        // A String field keeps its text even if it looks binary.
        nul_base64_text: "\0AAAA".into(),
    }
}

fn to_json<T: Serialize + ?Sized>(v: &T) -> String {
    let mut out = Vec::new();
    Json::encode_typed(&mut out, v).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn spec_vector() {
    assert_eq!(to_json(&ByteBuf::from(VECTOR.to_vec())), VECTOR_JSON);
    assert_eq!(to_json(&Value::Bytes(VECTOR.to_vec())), VECTOR_JSON);
    let back: ByteBuf = Json::decode_typed(VECTOR_JSON.as_bytes()).unwrap();
    assert_eq!(back.as_slice(), VECTOR);
    let back: Value = Json::decode_typed(VECTOR_JSON.as_bytes()).unwrap();
    assert_eq!(back, Value::Bytes(VECTOR.to_vec()));
}

#[test]
fn struct_with_binary_fields_round_trips() {
    let rec = record();
    let text = to_json(&rec);
    assert!(
        text.contains(r#""data":"\u0000EOP/kFMHXFJvX8BtT+N82w==""#),
        "{text}"
    );
    assert!(text.contains(r#""raw":"\u0000AAEC/w==""#), "{text}");
    // A plain Vec<u8> is a sequence, not binary.
    assert!(text.contains(r#""plain":[7,8]"#), "{text}");
    assert!(text.contains(r#""name":"plain text""#), "{text}");
    assert!(text.contains(r#""tag":"\u0000not base64!""#), "{text}");
    let back: Record = Json::decode_typed(text.as_bytes()).unwrap();
    assert_eq!(back, rec);
}

#[test]
fn struct_decodes_from_every_serializer_after_transcoding() {
    let mut rec = record();
    // Transcoding cannot tell such a string from binary data: the convention
    // is ambiguous there, so only typed JSON decoding keeps it a string.
    rec.nul_base64_text = "text".into();
    for from in SerializerKind::ALL {
        let args = parts::encode_part(from, "args", &(rec.clone(),)).unwrap();
        for to in SerializerKind::ALL {
            let moved = parts::transcode(from, to, "args", &args).unwrap();
            let (back,): (Record,) = parts::decode_part(to, "args", &moved)
                .unwrap_or_else(|e| panic!("{from}->{to}: {e}"));
            assert_eq!(back, rec, "{from} -> {to}");
            // And back into JSON.
            let json = parts::transcode(to, SerializerKind::Json, "args", &moved).unwrap();
            let (back,): (Record,) =
                parts::decode_part(SerializerKind::Json, "args", &json).unwrap();
            assert_eq!(back, rec, "{from} -> {to} -> json");
        }
    }
}

#[test]
fn ordinary_and_non_base64_strings_stay_strings() {
    for text in ["hello", "", "\0", "\0x", "\0not base64", "\0AAA", "a\0AAAA"] {
        let json = to_json(text);
        let as_string: String = Json::decode_typed(json.as_bytes()).unwrap();
        assert_eq!(as_string, text);
    }
    for text in ["hello", "\0x", "\0not base64", "\0AAA", "a\0AAAA"] {
        let json = to_json(text);
        let value: Value = Json::decode_typed(json.as_bytes()).unwrap();
        assert_eq!(value, Value::String(text.into()), "{json}");
    }
    // `"\0"` alone is the empty binary string, as in Autobahn.
    let value: Value = Json::decode_typed(br#""\u0000""#).unwrap();
    assert_eq!(value, Value::Bytes(Vec::new()));
    // Keys are never binary.
    let value: Value = Json::decode_typed(br#"{"\u0000AAAA":"\u0000AAAA"}"#).unwrap();
    let mut expected = Dict::new();
    expected.insert("\0AAAA".into(), Value::Bytes(vec![0, 0, 0]));
    assert_eq!(value, Value::Dict(expected));
}

#[test]
fn bytes_from_plain_strings_and_lists_are_still_accepted() {
    let b: ByteBuf = Json::decode_typed(br#""abc""#).unwrap();
    assert_eq!(b.as_slice(), b"abc");
    let b: ByteBuf = Json::decode_typed(b"[1,2,3]").unwrap();
    assert_eq!(b.as_slice(), [1, 2, 3]);
}

#[test]
fn trailing_garbage_is_rejected() {
    assert!(Json::decode_typed::<Value>(b"[1] x").is_err());
    assert!(Json::decode_typed::<Value>(b"").is_err());
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::UInt),
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(Value::Float),
        "\\PC{0,8}".prop_map(Value::String),
        "\\x00[A-Za-z0-9+/=!]{0,8}".prop_map(Value::String),
        prop::collection::vec(any::<u8>(), 0..12).prop_map(Value::Bytes),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::List),
            prop::collection::btree_map("\\PC{0,4}", inner, 0..4).prop_map(Value::Dict),
        ]
    })
}

/// What JSON gives back for a value: strings that follow the binary
/// convention come back as binary data.
fn as_json_reads_it(v: &Value) -> Value {
    match v {
        Value::String(s) => match binary_from_text(s.as_bytes()) {
            Some(bytes) => Value::Bytes(bytes),
            None => v.clone(),
        },
        Value::List(items) => Value::List(items.iter().map(as_json_reads_it).collect()),
        Value::Dict(d) => Value::Dict(
            d.iter()
                .map(|(k, v)| (k.clone(), as_json_reads_it(v)))
                .collect(),
        ),
        _ => v.clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// A value is written as its display text and read back as JSON reads it.
    #[test]
    fn value_round_trips_through_json(v in value()) {
        let text = to_json(&v);
        prop_assert_eq!(&text, &v.to_string());
        let back: Value = Json::decode_typed(text.as_bytes()).unwrap();
        prop_assert_eq!(back, as_json_reads_it(&v));
    }
}
