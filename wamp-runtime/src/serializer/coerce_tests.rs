//! The typed decoding rules, table-driven: each wire value is encoded in JSON,
//! MessagePack and CBOR (and kept as a local value), decoded into the same
//! Rust type, and must give the same value or the same error everywhere.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_bytes::ByteBuf;

use super::{Dict, SerializerKind, Value, parts};
use crate::protocol::Payload;

/// The outcome of decoding `[value]` into `(T,)` in every serializer: the
/// value (as `Debug`) or the error, checked to be the same everywhere.
fn decode<T: DeserializeOwned + Debug>(value: &Value) -> Result<String, String> {
    let list = Value::List(vec![value.clone()]);
    let mut outcomes = Vec::new();
    for kind in SerializerKind::ALL {
        let bytes = parts::encode_part(kind, "args", &list).unwrap();
        outcomes.push((kind.name(), decode_encoded::<T>(kind, &bytes)));
    }
    // Local values (not yet encoded) follow the same rules.
    let local = Payload::from_values(vec![value.clone()], Dict::new());
    let element = match local.args::<(T,)>() {
        Ok((v,)) => Ok(format!("{v:?}")),
        Err(e) => Err(e.to_string()),
    };
    let by_element = local.decode_element::<T>(local.arg_elements().unwrap()[0]);
    assert_eq!(
        element.is_ok(),
        by_element.is_ok(),
        "local {value:?}: {element:?} vs {by_element:?}"
    );
    same_everywhere(value, outcomes)
}

/// Decodes the only element of an encoded list both ways (whole part, one
/// element with its path) and checks they agree.
fn decode_encoded<T: DeserializeOwned + Debug>(
    kind: SerializerKind,
    list: &[u8],
) -> Result<String, String> {
    let whole = parts::decode_part::<(T,)>(kind, "args", list);
    let ranges = parts::split_list(kind, list).unwrap();
    let element = parts::decode_path::<T>(kind, &list[ranges[0].clone()]);
    match (whole, element) {
        (Ok((a,)), Ok(b)) => {
            let (a, b) = (format!("{a:?}"), format!("{b:?}"));
            assert_eq!(a, b, "{kind}");
            Ok(a)
        }
        (Err(whole), Err(e)) => {
            // The same message for the whole part as for the element.
            assert_eq!(
                whole.to_string(),
                format!("cannot decode args as {kind}: {}", e.message)
            );
            Err(e.message)
        }
        (whole, element) => panic!("{kind}: part {whole:?} but element {element:?}"),
    }
}

fn same_everywhere(
    what: &dyn Debug,
    outcomes: Vec<(&str, Result<String, String>)>,
) -> Result<String, String> {
    let (first_kind, first) = &outcomes[0];
    for (kind, outcome) in &outcomes[1..] {
        assert_eq!(first, outcome, "{what:?}: {first_kind} and {kind} disagree");
    }
    first.clone()
}

/// Checks a successful decoding.
fn ok<T: DeserializeOwned + Debug>(value: Value, expected: T) {
    assert_eq!(
        decode::<T>(&value),
        Ok(format!("{expected:?}")),
        "{value:?}"
    );
}

/// Checks a failure: the error must contain every fragment.
fn err<T: DeserializeOwned + Debug>(value: Value, fragments: &[&str]) {
    let message = decode::<T>(&value).expect_err(&format!("{value:?} must fail"));
    for fragment in fragments {
        assert!(
            message.contains(fragment),
            "{value:?} into {}: {message:?} lacks {fragment:?}",
            std::any::type_name::<T>()
        );
    }
}

#[test]
fn integers_fill_floats_everywhere() {
    ok::<f64>(Value::UInt(2), 2.0);
    ok::<f64>(Value::Int(-3), -3.0);
    ok::<f32>(Value::UInt(5), 5.0);
    ok::<Option<f64>>(Value::UInt(2), Some(2.0));
    ok::<Vec<f64>>(
        Value::List(vec![Value::UInt(1), Value::Float(2.5)]),
        vec![1.0, 2.5],
    );
    // Beyond 2^53: the nearest f64.
    ok::<f64>(Value::UInt((1 << 53) + 1), 9_007_199_254_740_992.0);
    ok::<f64>(Value::UInt(u64::MAX), 18_446_744_073_709_551_615.0);
    ok::<f64>(Value::Int(i64::MIN), -9_223_372_036_854_775_808.0);
}

#[test]
fn whole_floats_fill_integers_and_others_are_refused() {
    ok::<i64>(Value::Float(2.0), 2);
    ok::<u8>(Value::Float(255.0), 255);
    ok::<i32>(Value::Float(-2.0), -2);
    ok::<u64>(Value::Float(1e19), 10_000_000_000_000_000_000);
    err::<i64>(
        Value::Float(2.5),
        &["invalid value: floating point `2.5`", "expected i64"],
    );
    err::<u64>(Value::Float(1e20), &["floating point", "expected u64"]);
    // (NaN and infinities: JSON has none, they travel as null.)
    err::<i64>(Value::Float(-1e19), &["floating point", "expected i64"]);
    err::<u8>(Value::Float(256.0), &["integer `256`", "expected u8"]);
    err::<u32>(Value::Float(-1.0), &["integer `-1`", "expected u32"]);
}

#[test]
fn integers_fill_other_widths_only_in_range() {
    ok::<u8>(Value::UInt(255), 255);
    ok::<i8>(Value::Int(-128), -128);
    ok::<i64>(Value::UInt(7), 7);
    ok::<u16>(Value::Int(7), 7);
    err::<u8>(
        Value::UInt(300),
        &["invalid value: integer `300`, expected u8"],
    );
    err::<u32>(
        Value::Int(-1),
        &["invalid value: integer `-1`, expected u32"],
    );
    err::<i64>(
        Value::UInt(u64::MAX),
        &["integer `18446744073709551615`", "i64"],
    );
}

#[test]
fn binary_data_is_the_same_everywhere() {
    let blob = Value::Bytes(vec![1, 2, 255]);
    ok::<Vec<u8>>(blob.clone(), vec![1, 2, 255]);
    ok::<ByteBuf>(blob.clone(), ByteBuf::from(vec![1, 2, 255]));
    ok::<Option<ByteBuf>>(blob.clone(), Some(ByteBuf::from(vec![1, 2, 255])));
    ok::<Value>(blob.clone(), blob.clone());
    ok::<Vec<u8>>(Value::Bytes(Vec::new()), Vec::new());
    err::<String>(
        blob.clone(),
        &["invalid type: byte array, expected a string"],
    );
    err::<f64>(blob.clone(), &["invalid type: byte array, expected f64"]);
    // A list of small integers also fills byte targets.
    ok::<Vec<u8>>(
        Value::List(vec![Value::UInt(1), Value::UInt(2)]),
        vec![1, 2],
    );
    ok::<ByteBuf>(
        Value::List(vec![Value::UInt(1), Value::UInt(2)]),
        ByteBuf::from(vec![1, 2]),
    );
    // A text string goes to a bytes target as text: `ByteBuf` takes its
    // UTF-8, a list of bytes refuses it.
    ok::<ByteBuf>(Value::String("abc".into()), ByteBuf::from(b"abc".to_vec()));
    err::<Vec<u8>>(
        Value::String("abc".into()),
        &["invalid type: string \"abc\", expected a sequence"],
    );
}

#[derive(Debug, Deserialize, PartialEq)]
struct Point {
    x: f64,
    y: Option<i32>,
}

#[test]
fn null_and_missing() {
    ok::<Option<f64>>(Value::Null, None);
    ok::<()>(Value::Null, ());
    err::<f64>(Value::Null, &["invalid type: null, expected f64"]);
    err::<String>(Value::Null, &["invalid type: null, expected a string"]);
    err::<Vec<i32>>(Value::Null, &["invalid type: null, expected a sequence"]);
    err::<Point>(Value::Null, &["invalid type: null, expected struct Point"]);
    let dict = |entries: &[(&str, Value)]| {
        Value::Dict(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    };
    ok::<Point>(dict(&[("x", Value::UInt(1))]), Point { x: 1.0, y: None });
    ok::<Point>(
        dict(&[("x", Value::UInt(1)), ("y", Value::Null)]),
        Point { x: 1.0, y: None },
    );
    ok::<Point>(
        dict(&[("x", Value::Float(1.5)), ("y", Value::Float(4.0))]),
        Point { x: 1.5, y: Some(4) },
    );
    err::<Point>(dict(&[("y", Value::UInt(1))]), &["missing field `x`"]);
    err::<Point>(
        dict(&[("x", Value::Null)]),
        &["invalid type: null, expected f64"],
    );
    // A struct may also come as the list of its fields, in every serializer.
    ok::<Point>(
        Value::List(vec![Value::UInt(3), Value::UInt(4)]),
        Point { x: 3.0, y: Some(4) },
    );
}

#[test]
fn other_mismatches_read_the_same() {
    err::<String>(
        Value::UInt(2),
        &["invalid type: integer `2`, expected a string"],
    );
    err::<f64>(
        Value::Bool(true),
        &["invalid type: boolean `true`, expected f64"],
    );
    err::<i64>(
        Value::String("2".into()),
        &["invalid type: string \"2\", expected i64"],
    );
    err::<bool>(
        Value::UInt(1),
        &["invalid type: integer `1`, expected a boolean"],
    );
}

/// `[{1: 2}]` in MessagePack and CBOR (JSON cannot have such a key).
fn int_key_frames() -> Vec<(SerializerKind, Vec<u8>)> {
    let list = vec![BTreeMap::from([(1u8, 2u8)])];
    let msgpack = rmp_serde::to_vec(&list).unwrap();
    let mut cbor = Vec::new();
    ciborium::into_writer(&list, &mut cbor).unwrap();
    vec![
        (SerializerKind::MsgPack, msgpack),
        (SerializerKind::Cbor, cbor),
    ]
}

fn int_key<T: DeserializeOwned + Debug>() -> Result<String, String> {
    let outcomes = int_key_frames()
        .into_iter()
        .map(|(kind, bytes)| (kind.name(), decode_encoded::<T>(kind, &bytes)))
        .collect();
    same_everywhere(&"{1: 2}", outcomes)
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Named {
    a: Option<u8>,
}

#[test]
fn non_string_keys_are_refused_naming_the_key() {
    let expected = "dict key integer `1` is not a string (dict keys must be strings)";
    assert_eq!(int_key::<HashMap<String, u8>>(), Err(expected.into()));
    assert_eq!(int_key::<BTreeMap<String, f64>>(), Err(expected.into()));
    // Never a field by index, as MessagePack's reader would otherwise take it.
    assert_eq!(int_key::<Named>(), Err(expected.into()));
    // A target that asks for integer keys gets them.
    assert_eq!(
        int_key::<BTreeMap<u8, f64>>(),
        Ok(format!("{:?}", BTreeMap::from([(1u8, 2.0)])))
    );
}

#[test]
fn errors_name_the_path() {
    let list = Value::List(vec![Value::Dict(Dict::from([(
        "xs".to_string(),
        Value::List(vec![Value::UInt(1), Value::Float(2.5)]),
    )]))]);
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Holder {
        xs: Vec<u32>,
    }
    for kind in SerializerKind::ALL {
        let bytes = parts::encode_part(kind, "args", &list).unwrap();
        let ranges = parts::split_list(kind, &bytes).unwrap();
        let e = parts::decode_path::<Holder>(kind, &bytes[ranges[0].clone()]).unwrap_err();
        assert_eq!(e.path, "xs[1]", "{kind}");
        assert!(e.message.contains("floating point `2.5`"), "{kind}: {e:?}");
    }
}
