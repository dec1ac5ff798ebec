//! Tests of [`Value`]: equality, serde, and the direct conversions from and to
//! Rust types, checked against what a round trip through CBOR gives.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

use super::{Cbor, Dict, Format, Json, MsgPack, Value};

#[test]
fn integers_compare_by_value() {
    assert_eq!(Value::Int(5), Value::UInt(5));
    assert_ne!(Value::Int(-5), Value::UInt(5));
    assert_eq!(Value::from(-3i32), Value::Int(-3));
    assert_eq!(Value::from(3i32), Value::UInt(3));
}

#[test]
fn non_string_keys_are_rejected() {
    let mut buf = Vec::new();
    let mut m = BTreeMap::new();
    m.insert(1u8, 2u8);
    ciborium::into_writer(&m, &mut buf).unwrap();
    assert!(ciborium::from_reader::<Value, _>(buf.as_slice()).is_err());
    assert!(Value::from_serialize(&m).is_err());
}

#[test]
fn cbor_keys_may_be_indefinite_or_long_text_strings() {
    // {"ab": 1} with the key in two chunks (RFC 8949 §3.2.3), then a key of
    // 5000 bytes (longer than ciborium's scratch buffer for `str`).
    let chunked = [0xa1, 0x7f, 0x61, b'a', 0x61, b'b', 0xff, 0x01];
    let expected = Value::Dict([("ab".to_owned(), Value::UInt(1))].into());
    assert_eq!(Cbor::decode_typed::<Value>(&chunked), Ok(expected));
    let long = "k".repeat(5000);
    let mut buf = Vec::new();
    ciborium::into_writer(&BTreeMap::from([(long.clone(), 1u8)]), &mut buf).unwrap();
    let expected = Value::Dict([(long, Value::UInt(1))].into());
    assert_eq!(Cbor::decode_typed::<Value>(&buf), Ok(expected));
}

#[test]
fn displays_as_json_with_the_binary_convention() {
    let bytes = vec![
        0x10, 0xe3, 0xff, 0x90, 0x53, 0x07, 0x5c, 0x52, 0x6f, 0x5f, 0xc0, 0x6d, 0x4f, 0xe3, 0x7c,
        0xdb,
    ];
    assert_eq!(
        Value::Bytes(bytes.clone()).to_string(),
        r#""\u0000EOP/kFMHXFJvX8BtT+N82w==""#
    );
    let back: Value = Json::decode_typed(br#""\u0000EOP/kFMHXFJvX8BtT+N82w==""#).unwrap();
    assert_eq!(back, Value::Bytes(bytes));
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Shape {
    Dot,
    Circle(f64),
    Pair(i8, String),
    Rect { w: u32, h: u32 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    id: u64,
    delta: i64,
    name: String,
    letter: char,
    blob: ByteBuf,
    plain: Vec<u8>,
    maybe: Option<u16>,
    none: Option<String>,
    unit: (),
    tuple: (bool, f32),
    shapes: Vec<Shape>,
    map: BTreeMap<String, i32>,
    any: Value,
}

fn order() -> Order {
    Order {
        id: u64::MAX,
        delta: -42,
        name: "pen".into(),
        letter: 'é',
        blob: ByteBuf::from(vec![0, 1, 255]),
        plain: vec![7, 8],
        maybe: Some(3),
        none: None,
        unit: (),
        tuple: (true, 1.5),
        shapes: vec![
            Shape::Dot,
            Shape::Circle(2.5),
            Shape::Pair(-1, "x".into()),
            Shape::Rect { w: 3, h: 4 },
        ],
        map: [("a".to_owned(), -1), ("b".to_owned(), 2)].into(),
        any: Value::List(vec![Value::Bytes(vec![9]), Value::Null]),
    }
}

/// What the conversion gave when it went through CBOR bytes.
fn via_cbor<T: Serialize + ?Sized>(v: &T) -> Value {
    let mut buf = Vec::new();
    ciborium::into_writer(v, &mut buf).unwrap();
    ciborium::from_reader(buf.as_slice()).unwrap()
}

#[test]
fn from_serialize_builds_what_cbor_gave() {
    let o = order();
    assert_eq!(Value::from_serialize(&o).unwrap(), via_cbor(&o));
    assert_eq!(
        Value::from_serialize(&(1, "two", [3u8])).unwrap(),
        via_cbor(&(1, "two", [3u8]))
    );
    assert_eq!(Value::from_serialize(&()).unwrap(), Value::Null);
    assert_eq!(Value::from_serialize(&-7i8).unwrap(), Value::Int(-7));
    assert_eq!(Value::from_serialize(&7i8).unwrap(), Value::UInt(7));
}

#[test]
fn deserialize_into_reads_every_shape_back() {
    let o = order();
    let v = Value::from_serialize(&o).unwrap();
    assert_eq!(v.deserialize_into::<Order>().unwrap(), o);
    // Binary data also reads as a list of bytes, as from CBOR.
    assert_eq!(
        Value::Bytes(vec![1, 2])
            .deserialize_into::<Vec<u8>>()
            .unwrap(),
        vec![1, 2]
    );
    // Null is unit and none.
    Value::Null.deserialize_into::<()>().unwrap();
    assert_eq!(Value::Null.deserialize_into::<Option<i32>>().unwrap(), None);
    assert!(Value::Null.deserialize_into::<(i32,)>().is_err());
    // A list too long for a tuple is an error, not a silent cut.
    assert!(
        Value::List(vec![Value::UInt(1), Value::UInt(2)])
            .deserialize_into::<(u8,)>()
            .is_err()
    );
    let json: serde_json::Value = Value::from_serialize(&o.map)
        .unwrap()
        .deserialize_into()
        .unwrap();
    assert_eq!(json, serde_json::json!({"a": -1, "b": 2}));
}

#[test]
fn value_round_trips_in_every_format_without_cbor_in_between() {
    let mut dict = Dict::new();
    dict.insert("blob".into(), Value::Bytes(vec![0, 255]));
    dict.insert("n".into(), Value::Int(-3));
    dict.insert(
        "list".into(),
        Value::List(vec![Value::Float(0.5), Value::Bool(true), Value::Null]),
    );
    let v = Value::Dict(dict);
    let mut out = Vec::new();
    Json::encode_typed(&mut out, &v).unwrap();
    assert_eq!(Json::decode_typed::<Value>(&out).unwrap(), v);
    out.clear();
    MsgPack::encode_typed(&mut out, &v).unwrap();
    assert_eq!(MsgPack::decode_typed::<Value>(&out).unwrap(), v);
    out.clear();
    Cbor::encode_typed(&mut out, &v).unwrap();
    assert_eq!(Cbor::decode_typed::<Value>(&out).unwrap(), v);
}
