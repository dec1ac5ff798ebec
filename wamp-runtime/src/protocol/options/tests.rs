//! Tests of the options: unknown keys pass through, errors name the key,
//! encryption algorithm names.

use super::*;
use crate::protocol::dict_struct::{Checked, DictStruct, sorted_order};
use crate::serializer::{Cbor, Dict, Format, Json, MsgPack, Value};

#[test]
fn unknown_keys_pass_through() {
    let mut d = Dict::new();
    d.insert("x_cb_node".into(), Value::String("node1".into()));
    d.insert("_custom".into(), Value::UInt(7));
    d.insert("acknowledge".into(), Value::Bool(true));
    let opts = WirePublishOptions::from_dict(d.clone(), "PUBLISH", "Options").unwrap();
    assert_eq!(opts.acknowledge, Some(true));
    assert_eq!(opts.extra.len(), 2);
    assert_eq!(opts.to_dict(), d);
}

#[test]
fn wrong_types_name_the_key() {
    let mut d = Dict::new();
    d.insert("acknowledge".into(), Value::UInt(1));
    let err = WirePublishOptions::from_dict(d, "PUBLISH", "Options").unwrap_err();
    assert_eq!(
        err.to_string(),
        "PUBLISH.Options.acknowledge must be a bool, found integer 1"
    );
}

#[test]
fn enc_algo_names() {
    for ok in ["cryptobox", "mqtt", "xbr", "x_my_algo"] {
        assert!(EncAlgo::is_valid(ok), "{ok}");
    }
    for bad in ["invalid", "X_foo", "x_1a", ""] {
        assert!(!EncAlgo::is_valid(bad), "{bad}");
    }
}

/// Known keys, unknown keys around them in sort order, binary data and a list.
fn mixed_dict() -> Dict {
    let mut d = Dict::new();
    d.insert("acknowledge".into(), Value::Bool(true));
    d.insert("_custom".into(), Value::UInt(7));
    d.insert(
        "exclude".into(),
        Value::List(vec![Value::UInt(1), Value::UInt(2)]),
    );
    d.insert("f_between".into(), Value::Bytes(vec![0, 255]));
    d.insert("rkey".into(), Value::String("k".into()));
    d.insert("x_cb_node".into(), Value::String("node1".into()));
    d
}

fn encoded<F: Format, T: serde::Serialize + ?Sized>(v: &T) -> Vec<u8> {
    let mut out = Vec::new();
    F::encode_typed(&mut out, v).unwrap();
    out
}

fn read<F: Format, T: DictStruct>(bytes: &[u8]) -> Result<T, String> {
    match F::decode_typed::<Checked<T>>(bytes) {
        Ok(Checked(Ok(t))) => Ok(t),
        Ok(Checked(Err(bad))) => Err(bad.into_error("PUBLISH", "Options").to_string()),
        Err(e) => Err(e),
    }
}

fn straight_from_the_frame<F: Format>() {
    let dict = mixed_dict();
    let frame = encoded::<F, _>(&dict);
    let straight: WirePublishOptions = read::<F, _>(&frame).unwrap();
    // The same struct as through a dict value.
    let via_dict = WirePublishOptions::from_dict(dict.clone(), "PUBLISH", "Options").unwrap();
    assert_eq!(straight, via_dict, "{}", F::KIND);
    assert_eq!(straight.acknowledge, Some(true));
    assert_eq!(straight.exclude, Some(vec![1, 2]));
    assert_eq!(straight.extra.len(), 3);
    // Written straight back: the same bytes as the sorted dict.
    assert_eq!(encoded::<F, _>(&straight), frame, "{}", F::KIND);
    assert_eq!(straight.to_dict(), dict);
}

#[test]
fn options_are_read_and_written_straight_in_every_serializer() {
    straight_from_the_frame::<Json>();
    straight_from_the_frame::<MsgPack>();
    straight_from_the_frame::<Cbor>();
}

fn precise_errors<F: Format>() {
    let mut d = Dict::new();
    d.insert("acknowledge".into(), Value::UInt(1));
    let err = read::<F, WirePublishOptions>(&encoded::<F, _>(&d)).unwrap_err();
    assert_eq!(
        err,
        "PUBLISH.Options.acknowledge must be a bool, found integer 1",
        "{}",
        F::KIND
    );
    // Several bad keys: the first in declaration order is named, as before.
    d.insert("rkey".into(), Value::UInt(2));
    d.insert(
        "exclude".into(),
        Value::List(vec![Value::UInt(1), Value::from("x")]),
    );
    let err = read::<F, WirePublishOptions>(&encoded::<F, _>(&d)).unwrap_err();
    assert!(err.starts_with("PUBLISH.Options.acknowledge "), "{err}");
    d.remove("acknowledge");
    let err = read::<F, WirePublishOptions>(&encoded::<F, _>(&d)).unwrap_err();
    assert_eq!(
        err,
        "PUBLISH.Options.exclude must be a list of IDs, found list [1,\"x\"]",
        "{}",
        F::KIND
    );
    // Out of range, and a wrong string.
    let mut d = Dict::new();
    d.insert("timeout".into(), Value::UInt((1 << 53) + 1));
    let frame = encoded::<F, _>(&d);
    let Ok(Checked(Err(bad))) = F::decode_typed::<Checked<WireCallOptions>>(&frame) else {
        panic!("{}: accepted", F::KIND)
    };
    assert_eq!(bad.key, "timeout");
    let mut d = Dict::new();
    d.insert("match".into(), Value::from("fuzzy"));
    let frame = encoded::<F, _>(&d);
    let Ok(Checked(Err(bad))) = F::decode_typed::<Checked<WireSubscribeOptions>>(&frame) else {
        panic!("{}: accepted", F::KIND)
    };
    assert_eq!(bad.found, Value::from("fuzzy"));
}

#[test]
fn wrong_types_name_the_key_in_every_serializer() {
    precise_errors::<Json>();
    precise_errors::<MsgPack>();
    precise_errors::<Cbor>();
}

#[test]
fn a_typed_field_hides_the_same_key_in_extra() {
    let mut opts = WirePublishOptions {
        acknowledge: Some(true),
        ..WirePublishOptions::default()
    };
    opts.extra
        .insert("acknowledge".into(), Value::from("stale"));
    opts.extra.insert("zz".into(), Value::Null);
    let mut expected = Dict::new();
    expected.insert("acknowledge".into(), Value::Bool(true));
    expected.insert("zz".into(), Value::Null);
    assert_eq!(encoded::<Cbor, _>(&opts), encoded::<Cbor, _>(&expected));
    assert_eq!(opts.to_dict(), expected);
}

#[test]
fn keys_are_sorted_at_compile_time() {
    const KEYS: &[&str] = &["b", "a", "ab", "", "B"];
    assert_eq!(sorted_order::<5>(KEYS), [3, 4, 1, 2, 0]);
}
