//! Tests of the options: unknown keys pass through, errors name the key,
//! encryption algorithm names.

use super::*;
use crate::serializer::{Dict, Value};

#[test]
fn unknown_keys_pass_through() {
    let mut d = Dict::new();
    d.insert("x_cb_node".into(), Value::String("node1".into()));
    d.insert("_custom".into(), Value::UInt(7));
    d.insert("acknowledge".into(), Value::Bool(true));
    let opts = PublishOptions::from_dict(d.clone(), "PUBLISH", "Options").unwrap();
    assert_eq!(opts.acknowledge, Some(true));
    assert_eq!(opts.extra.len(), 2);
    assert_eq!(opts.to_dict(), d);
}

#[test]
fn wrong_types_name_the_key() {
    let mut d = Dict::new();
    d.insert("acknowledge".into(), Value::UInt(1));
    let err = PublishOptions::from_dict(d, "PUBLISH", "Options").unwrap_err();
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
