//! Typed fields of Options and Details dictionaries: how each known key is read
//! from and written to a [`Value`].

use super::id::MAX_ID;
use crate::serializer::{Dict, Value};

/// A type that a known Options/Details key can hold.
pub trait FieldType: Sized {
    /// What the key requires, for error messages (e.g. `a bool`).
    const EXPECTED: &'static str;
    /// Reads the field, or `None` when the value has the wrong type or is out of range.
    fn from_value(value: Value) -> Option<Self>;
    /// Writes the field.
    fn to_value(&self) -> Value;
}

impl FieldType for bool {
    const EXPECTED: &'static str = "a bool";
    fn from_value(value: Value) -> Option<Self> {
        value.as_bool()
    }
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
}

impl FieldType for u64 {
    const EXPECTED: &'static str = "an integer in [0, 2^53]";
    fn from_value(value: Value) -> Option<Self> {
        value.as_u64().filter(|n| *n <= MAX_ID)
    }
    fn to_value(&self) -> Value {
        Value::UInt(*self)
    }
}

impl FieldType for String {
    const EXPECTED: &'static str = "a string";
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    fn to_value(&self) -> Value {
        Value::String(self.clone())
    }
}

impl FieldType for Dict {
    const EXPECTED: &'static str = "a dict";
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }
    fn to_value(&self) -> Value {
        Value::Dict(self.clone())
    }
}

impl FieldType for Value {
    const EXPECTED: &'static str = "a value";
    fn from_value(value: Value) -> Option<Self> {
        Some(value)
    }
    fn to_value(&self) -> Value {
        self.clone()
    }
}

impl FieldType for Vec<u64> {
    const EXPECTED: &'static str = "a list of IDs";
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::List(items) => items.into_iter().map(u64::from_value).collect(),
            _ => None,
        }
    }
    fn to_value(&self) -> Value {
        Value::List(self.iter().map(|n| Value::UInt(*n)).collect())
    }
}

impl FieldType for Vec<String> {
    const EXPECTED: &'static str = "a list of strings";
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::List(items) => items.into_iter().map(String::from_value).collect(),
            _ => None,
        }
    }
    fn to_value(&self) -> Value {
        Value::List(self.iter().map(|s| Value::String(s.clone())).collect())
    }
}

/// Declares a string enum usable as a field type.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $expected:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),*
        }

        impl $name {
            /// The wire text of this value.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }

            /// Parses the wire text.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Self::$variant),)* _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Self::parse(&text).ok_or_else(|| {
                    <D::Error as serde::de::Error>::custom(format!("expected {}, found {:?}", $expected, text))
                })
            }
        }

        impl $crate::protocol::field::FieldType for $name {
            const EXPECTED: &'static str = $expected;
            fn from_value(value: $crate::serializer::Value) -> Option<Self> {
                value.as_str().and_then(Self::parse)
            }
            fn to_value(&self) -> $crate::serializer::Value {
                $crate::serializer::Value::String(self.as_str().to_owned())
            }
        }
    };
}
pub(crate) use string_enum;

/// Declares a typed Options/Details struct: known keys as typed optional fields,
/// every other key kept in `extra` so that it passes through untouched.
macro_rules! dict_struct {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty = $key:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: Option<$ty>, )*
            /// Every other key, kept as received (implementation keys such as `x_cb_node`).
            pub extra: $crate::serializer::Dict,
        }

        impl $name {
            /// Reads the struct from a dictionary, checking the type of every known key.
            pub fn from_dict(
                mut dict: $crate::serializer::Dict,
                message: &'static str,
                dict_name: &'static str,
            ) -> Result<Self, $crate::protocol::ProtocolError> {
                Ok(Self {
                    $( $field: $crate::protocol::field::take_field(&mut dict, $key, message, dict_name)?, )*
                    extra: dict,
                })
            }

            /// Writes the struct as a dictionary.
            pub fn to_dict(&self) -> $crate::serializer::Dict {
                let mut dict = self.extra.clone();
                $( if let Some(v) = &self.$field {
                    dict.insert($key.to_owned(), $crate::protocol::field::FieldType::to_value(v));
                } )*
                dict
            }

            /// Whether no key is set.
            pub fn is_empty(&self) -> bool {
                true $( && self.$field.is_none() )* && self.extra.is_empty()
            }
        }
    };
}
pub(crate) use dict_struct;

/// Removes a known key from a dictionary and reads it as `T`.
pub(crate) fn take_field<T: FieldType>(
    dict: &mut Dict,
    key: &str,
    message: &'static str,
    dict_name: &'static str,
) -> Result<Option<T>, crate::protocol::ProtocolError> {
    match dict.remove(key) {
        None => Ok(None),
        Some(value) => {
            let found = describe(&value);
            T::from_value(value).map(Some).ok_or_else(|| {
                crate::protocol::ProtocolError::InvalidOption {
                    message,
                    dict: dict_name,
                    key: key.to_owned(),
                    expected: T::EXPECTED,
                    found,
                }
            })
        }
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
