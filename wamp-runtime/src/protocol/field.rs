//! Typed fields of Options and Details dictionaries: how the value of each
//! known key is read straight from the wire (or from a [`Value`]), in one pass
//! and without a value tree, and written back with serde.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::id::MAX_ID;
use crate::serializer::{Dict, Value, ValueVisitor};

/// A type that a known Options/Details key can hold.
pub trait FieldType: Sized + Serialize {
    /// What the key requires, for error messages (e.g. `a bool`).
    const EXPECTED: &'static str;

    /// Reads the field straight from a deserializer (a frame's element or a
    /// [`Value`]): `Ok(Err(found))` when the value there has the wrong type or is
    /// out of range, `found` being that value (to describe it in the error).
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Result<Self, Value>, D::Error>;

    /// Reads the field from a value, or `None` when it has the wrong type or is out of range.
    fn from_value(value: Value) -> Option<Self> {
        Self::read(&value).ok()?.ok()
    }

    /// Writes the field as a value.
    fn to_value(&self) -> Value {
        Value::from_serialize(self).unwrap_or_default()
    }
}

/// What a scalar field found on the wire: a bool, an unsigned integer or a
/// string, the shapes known keys expect; any other value is kept whole.
pub(crate) enum Found<'de> {
    /// A bool.
    Bool(bool),
    /// A non-negative integer.
    UInt(u64),
    /// A string (borrowed from the frame when the format allows).
    Str(Cow<'de, str>),
    /// Anything else.
    Other(Value),
}

impl Found<'_> {
    /// The value found, to describe it in an error.
    pub(crate) fn into_value(self) -> Value {
        match self {
            Found::Bool(b) => Value::Bool(b),
            Found::UInt(n) => Value::UInt(n),
            Found::Str(s) => Value::String(s.into_owned()),
            Found::Other(v) => v,
        }
    }
}

/// Reads a scalar field: one `deserialize_any`, no allocation for bools and integers.
pub(crate) fn read_scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Found<'de>, D::Error> {
    d.deserialize_any(ScalarVisitor)
}

/// Visit methods that build the value the [`ValueVisitor`] builds, wrapped by `$wrap`.
macro_rules! other_values {
    ($wrap:expr) => {
        fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Self::Value, E> {
            ValueVisitor.visit_i128(v).map($wrap)
        }
        fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Self::Value, E> {
            ValueVisitor.visit_u128(v).map($wrap)
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
            ValueVisitor.visit_f64(v).map($wrap)
        }
        fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
            ValueVisitor.visit_bytes(v).map($wrap)
        }
        fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
            ValueVisitor.visit_byte_buf(v).map($wrap)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            ValueVisitor.visit_unit().map($wrap)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            ValueVisitor.visit_none().map($wrap)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            ValueVisitor.visit_some(d).map($wrap)
        }
        fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            ValueVisitor.visit_newtype_struct(d).map($wrap)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            ValueVisitor.visit_map(map).map($wrap)
        }
    };
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Found<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a WAMP value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Found<'de>, E> {
        Ok(Found::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Found<'de>, E> {
        Ok(Found::UInt(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Found<'de>, E> {
        Ok(match u64::try_from(v) {
            Ok(n) => Found::UInt(n),
            Err(_) => Found::Other(Value::Int(v)),
        })
    }
    fn visit_str<E>(self, v: &str) -> Result<Found<'de>, E> {
        Ok(Found::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Found<'de>, E> {
        Ok(Found::Str(Cow::Borrowed(v)))
    }
    fn visit_string<E>(self, v: String) -> Result<Found<'de>, E> {
        Ok(Found::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Found<'de>, A::Error> {
        ValueVisitor.visit_seq(seq).map(Found::Other)
    }
    other_values!(Found::Other);
}

/// Reads a list field element by element; on the first bad element the rest is
/// read as values, so that the error shows the whole list found.
pub(crate) fn read_list<'de, T: FieldType, D: Deserializer<'de>>(
    d: D,
) -> Result<Result<Vec<T>, Value>, D::Error> {
    d.deserialize_any(ListVisitor(PhantomData))
}

struct ListVisitor<T>(PhantomData<T>);

impl<'de, T: FieldType> Visitor<'de> for ListVisitor<T> {
    type Value = Result<Vec<T>, Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a WAMP value")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element_seed(FieldSeed::<T>::new())? {
            match item {
                Ok(item) => items.push(item),
                Err(bad) => {
                    let mut found: Vec<Value> = items.iter().map(T::to_value).collect();
                    found.push(bad);
                    while let Some(rest) = seq.next_element::<Value>()? {
                        found.push(rest);
                    }
                    return Ok(Err(Value::List(found)));
                }
            }
        }
        Ok(Ok(items))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Err(Value::Bool(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Err(Value::UInt(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Err(Value::from(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Err(Value::String(v.to_owned())))
    }
    other_values!(Err);
}

/// Reads one field of type `T` as a serde seed.
pub(crate) struct FieldSeed<T>(PhantomData<T>);

impl<T> FieldSeed<T> {
    /// A seed for `T`.
    pub(crate) fn new() -> Self {
        FieldSeed(PhantomData)
    }
}

impl<'de, T: FieldType> DeserializeSeed<'de> for FieldSeed<T> {
    type Value = Result<T, Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        T::read(d)
    }
}

impl FieldType for bool {
    const EXPECTED: &'static str = "a bool";
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Result<Self, Value>, D::Error> {
        Ok(match read_scalar(d)? {
            Found::Bool(b) => Ok(b),
            other => Err(other.into_value()),
        })
    }
}

impl FieldType for u64 {
    const EXPECTED: &'static str = "an integer in [0, 2^53]";
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Result<Self, Value>, D::Error> {
        Ok(match read_scalar(d)? {
            Found::UInt(n) if n <= MAX_ID => Ok(n),
            other => Err(other.into_value()),
        })
    }
}

impl FieldType for String {
    const EXPECTED: &'static str = "a string";
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Result<Self, Value>, D::Error> {
        Ok(match read_scalar(d)? {
            Found::Str(s) => Ok(s.into_owned()),
            other => Err(other.into_value()),
        })
    }
}

impl FieldType for Dict {
    const EXPECTED: &'static str = "a dict";
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Result<Self, Value>, D::Error> {
        Ok(match serde::Deserialize::deserialize(d)? {
            Value::Dict(dict) => Ok(dict),
            other => Err(other),
        })
    }
}

impl FieldType for Value {
    const EXPECTED: &'static str = "a value";
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Result<Self, Value>, D::Error> {
        serde::Deserialize::deserialize(d).map(Ok)
    }
}

impl FieldType for Vec<u64> {
    const EXPECTED: &'static str = "a list of IDs";
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Result<Self, Value>, D::Error> {
        read_list(d)
    }
}

impl FieldType for Vec<String> {
    const EXPECTED: &'static str = "a list of strings";
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Result<Self, Value>, D::Error> {
        read_list(d)
    }
}

/// Describes a value for an error message: its type and a short rendering.
pub(crate) fn describe(value: &Value) -> String {
    let mut text = value.to_string();
    if text.len() > 60 {
        let mut cut = 57;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("...");
    }
    format!("{} {}", value.type_name(), text)
}
