//! A dynamically typed WAMP value: what options, details and untyped payloads hold.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// A dictionary with string keys, as WAMP `Options`, `Details` and `ArgumentsKw` are.
pub type Dict = BTreeMap<String, Value>;

/// Any value a WAMP serializer can carry.
///
/// Integers are kept exactly: non-negative ones as [`Value::UInt`], negative ones
/// as [`Value::Int`] (the constructors and decoders keep this invariant, and
/// equality compares numbers by value). Binary data is [`Value::Bytes`] in every
/// serializer; JSON carries it as a string `"\0"` + base64.
#[derive(Debug, Clone, Default)]
pub enum Value {
    /// `null` / `nil`.
    #[default]
    Null,
    /// A boolean.
    Bool(bool),
    /// A negative integer.
    Int(i64),
    /// A non-negative integer.
    UInt(u64),
    /// A floating point number.
    Float(f64),
    /// A UTF-8 string.
    String(String),
    /// Binary data.
    Bytes(Vec<u8>),
    /// A list.
    List(Vec<Value>),
    /// A dictionary with string keys.
    Dict(Dict),
}

impl Value {
    /// A short name of the value's type, used in error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::UInt(_) => "integer",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Bytes(_) => "binary",
            Value::List(_) => "list",
            Value::Dict(_) => "dict",
        }
    }

    /// The value as a bool, if it is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The value as a non-negative integer, if it is one.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::UInt(n) => Some(*n),
            Value::Int(n) => u64::try_from(*n).ok(),
            _ => None,
        }
    }

    /// The value as a signed integer, if it is one that fits.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::UInt(n) => i64::try_from(*n).ok(),
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    /// The value as a string slice, if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as a dictionary, if it is one.
    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }

    /// The value as a list, if it is one.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// Converts any serializable value into a [`Value`], keeping binary data binary.
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Value, ValueError> {
        let mut buf = Vec::new();
        ciborium::into_writer(value, &mut buf).map_err(|e| ValueError(e.to_string()))?;
        ciborium::from_reader(buf.as_slice()).map_err(|e| ValueError(e.to_string()))
    }

    /// Converts this value into any deserializable type.
    pub fn deserialize_into<T: de::DeserializeOwned>(&self) -> Result<T, ValueError> {
        let mut buf = Vec::new();
        ciborium::into_writer(self, &mut buf).map_err(|e| ValueError(e.to_string()))?;
        ciborium::from_reader(buf.as_slice()).map_err(|e| ValueError(e.to_string()))
    }

    /// Replaces every JSON string that follows the WAMP binary convention
    /// (`"\0"` followed by base64) with the binary value it stands for.
    pub(crate) fn decode_json_binary(&mut self) {
        match self {
            Value::String(s) if s.starts_with('\0') => {
                if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(&s[1..]) {
                    *self = Value::Bytes(bytes);
                }
            }
            Value::List(items) => items.iter_mut().for_each(Value::decode_json_binary),
            Value::Dict(map) => map.values_mut().for_each(Value::decode_json_binary),
            _ => {}
        }
    }
}

/// A value could not be converted to or from a Rust type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("value conversion failed: {0}")]
pub struct ValueError(pub String);

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::UInt(a), Value::UInt(b)) => a == b,
            (Value::Int(a), Value::UInt(b)) | (Value::UInt(b), Value::Int(a)) => {
                u64::try_from(*a).is_ok_and(|a| a == *b)
            }
            (Value::Float(a), Value::Float(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Bytes(a), Value::Bytes(b)) => a == b,
            (Value::List(a), Value::List(b)) => a == b,
            (Value::Dict(a), Value::Dict(b)) => a == b,
            _ => false,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match serde_json::to_string(&JsonValue(self)) {
            Ok(s) => f.write_str(&s),
            Err(_) => write!(f, "{self:?}"),
        }
    }
}

macro_rules! value_from {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self { Value::$variant(v.into()) }
        }
    )*};
}
value_from!(bool => Bool, String => String, &str => String, Vec<u8> => Bytes, Vec<Value> => List, Dict => Dict, f64 => Float);

macro_rules! value_from_unsigned {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self { Value::UInt(v.into()) }
        }
    )*};
}
value_from_unsigned!(u8, u16, u32, u64);

macro_rules! value_from_signed {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                let v = i64::from(v);
                if v >= 0 { Value::UInt(v as u64) } else { Value::Int(v) }
            }
        }
    )*};
}
value_from_signed!(i8, i16, i32, i64);

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_value(self, serializer, false)
    }
}

/// Serializes a [`Value`] the JSON way: binary data as `"\0"` + base64.
pub(crate) struct JsonValue<'a>(pub(crate) &'a Value);

impl Serialize for JsonValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_value(self.0, serializer, true)
    }
}

/// Serializes a dict without wrapping it in a [`Value`]; `json` selects the
/// JSON binary convention.
pub(crate) struct DictRef<'a> {
    pub(crate) dict: &'a Dict,
    pub(crate) json: bool,
}

impl Serialize for DictRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.dict.len()))?;
        for (k, v) in self.dict {
            m.serialize_entry(k, &Tagged(v, self.json))?;
        }
        m.end()
    }
}

struct Tagged<'a>(&'a Value, bool);

impl Serialize for Tagged<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_value(self.0, serializer, self.1)
    }
}

fn serialize_value<S: Serializer>(value: &Value, s: S, json: bool) -> Result<S::Ok, S::Error> {
    match value {
        Value::Null => s.serialize_unit(),
        Value::Bool(b) => s.serialize_bool(*b),
        Value::Int(n) => s.serialize_i64(*n),
        Value::UInt(n) => s.serialize_u64(*n),
        Value::Float(x) => s.serialize_f64(*x),
        Value::String(text) => s.serialize_str(text),
        Value::Bytes(bytes) if json => {
            let mut text = String::with_capacity(1 + bytes.len().div_ceil(3) * 4);
            text.push('\0');
            base64::engine::general_purpose::STANDARD.encode_string(bytes, &mut text);
            s.serialize_str(&text)
        }
        Value::Bytes(bytes) => s.serialize_bytes(bytes),
        Value::List(items) => {
            let mut seq = s.serialize_seq(Some(items.len()))?;
            for item in items {
                seq.serialize_element(&Tagged(item, json))?;
            }
            seq.end()
        }
        Value::Dict(map) => {
            let mut m = s.serialize_map(Some(map.len()))?;
            for (k, v) in map {
                m.serialize_entry(k, &Tagged(v, json))?;
            }
            m.end()
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a WAMP value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::UInt(v))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        if let Ok(n) = u64::try_from(v) {
            Ok(Value::UInt(n))
        } else if let Ok(n) = i64::try_from(v) {
            Ok(Value::Int(n))
        } else {
            Err(E::custom(format!("integer {v} does not fit in 64 bits")))
        }
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        u64::try_from(v)
            .map(Value::UInt)
            .map_err(|_| E::custom(format!("integer {v} does not fit in 64 bits")))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Bytes(v.to_vec()))
    }
    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Value, E> {
        Ok(Value::Bytes(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut dict = Dict::new();
        while let Some(key) = map.next_key::<DictKey>()? {
            let value = map.next_value()?;
            dict.insert(key.0, value);
        }
        Ok(Value::Dict(dict))
    }
}

/// A dictionary key: WAMP dictionaries have string keys only.
struct DictKey(String);

impl<'de> Deserialize<'de> for DictKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = DictKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string dictionary key")
            }
            fn visit_str<E>(self, v: &str) -> Result<DictKey, E> {
                Ok(DictKey(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<DictKey, E> {
                Ok(DictKey(v))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_binary_convention_matches_the_spec_vector() {
        let bytes = vec![
            0x10, 0xe3, 0xff, 0x90, 0x53, 0x07, 0x5c, 0x52, 0x6f, 0x5f, 0xc0, 0x6d, 0x4f, 0xe3,
            0x7c, 0xdb,
        ];
        let json = serde_json::to_string(&JsonValue(&Value::Bytes(bytes.clone()))).unwrap();
        assert_eq!(json, r#""\u0000EOP/kFMHXFJvX8BtT+N82w==""#);
        let mut back: Value = serde_json::from_str(&json).unwrap();
        back.decode_json_binary();
        assert_eq!(back, Value::Bytes(bytes));
    }

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
        let mut m = std::collections::BTreeMap::new();
        m.insert(1u8, 2u8);
        ciborium::into_writer(&m, &mut buf).unwrap();
        assert!(ciborium::from_reader::<Value, _>(buf.as_slice()).is_err());
    }
}
