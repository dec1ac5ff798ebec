//! The `dict_struct!` macro: a typed Options/Details struct, known keys as
//! typed optional fields and every other key kept in `extra`, read straight
//! from the wire with serde (one pass, no value tree for the known keys) and
//! written straight back in the order a sorted dict has.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::error::ProtocolError;
use super::field::describe;
use crate::serializer::{Dict, Value};

/// A known key whose value has the wrong type or is out of range.
#[derive(Debug)]
pub(crate) struct BadKey {
    /// The key.
    pub(crate) key: &'static str,
    /// What the key requires.
    pub(crate) expected: &'static str,
    /// The value found.
    pub(crate) found: Value,
}

impl BadKey {
    /// The protocol error naming the message, the dict and the key.
    pub(crate) fn into_error(self, message: &'static str, dict: &'static str) -> ProtocolError {
        ProtocolError::InvalidOption {
            message,
            dict,
            key: self.key.to_owned(),
            expected: self.expected,
            found: describe(&self.found),
        }
    }
}

/// What every `dict_struct!` type can do, for the envelope codec.
pub(crate) trait DictStruct: Default + Serialize + Sized {
    /// Reads the entries of a dict: known keys into their fields (the first bad
    /// one, in declaration order, is reported), the others into `extra`.
    fn read_entries<'de, A: MapAccess<'de>>(map: A) -> Result<Result<Self, BadKey>, A::Error>;
    /// Whether no key is set (the dict is written as `{}`).
    fn is_empty(&self) -> bool;
}

/// A dict struct read from a deserializer; `Err` names the bad key.
pub(crate) struct Checked<T>(pub(crate) Result<T, BadKey>);

impl<'de, T: DictStruct> Deserialize<'de> for Checked<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entries<T>(PhantomData<T>);
        impl<'de, T: DictStruct> Visitor<'de> for Entries<T> {
            type Value = Checked<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a dict")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Checked<T>, A::Error> {
                T::read_entries(map).map(Checked)
            }
        }
        d.deserialize_map(Entries(PhantomData))
    }
}

/// Reads a dict struct from a dictionary value (the same code as from the wire).
pub(crate) fn from_dict<T: DictStruct>(
    dict: Dict,
    message: &'static str,
    dict_name: &'static str,
) -> Result<T, ProtocolError> {
    let value = Value::Dict(dict);
    match Checked::<T>::deserialize(&value) {
        Ok(Checked(Ok(s))) => Ok(s),
        Ok(Checked(Err(bad))) => Err(bad.into_error(message, dict_name)),
        Err(e) => Err(ProtocolError::WrongType {
            message,
            field: dict_name,
            expected: "a dict with string keys",
            found: e.0,
        }),
    }
}

/// The indices of `keys` in sorted (byte-wise) order, computed at compile time:
/// a dict struct writes its entries in the order a sorted dict has.
pub(crate) const fn sorted_order<const N: usize>(keys: &[&str]) -> [usize; N] {
    let mut order = [0; N];
    let mut i = 0;
    while i < N {
        order[i] = i;
        i += 1;
    }
    // Insertion sort: a few keys, at compile time.
    let mut i = 1;
    while i < N {
        let mut j = i;
        while j > 0 && less(keys[order[j]], keys[order[j - 1]]) {
            let t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
            j -= 1;
        }
        i += 1;
    }
    order
}

const fn less(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
        i += 1;
    }
    a.len() < b.len()
}

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
            pub extra: $crate::protocol::Dict,
        }

        impl $name {
            const KEYS: &'static [&'static str] = &[$($key),*];

            /// Reads the struct from a dictionary, checking the type of every known key.
            pub fn from_dict(
                dict: $crate::protocol::Dict,
                message: &'static str,
                dict_name: &'static str,
            ) -> Result<Self, $crate::protocol::ProtocolError> {
                $crate::protocol::dict_struct::from_dict(dict, message, dict_name)
            }

            /// Writes the struct as a dictionary.
            pub fn to_dict(&self) -> $crate::protocol::Dict {
                match $crate::protocol::Value::from_serialize(self) {
                    Ok($crate::protocol::Value::Dict(dict)) => dict,
                    _ => $crate::protocol::Dict::new(),
                }
            }

            /// Whether no key is set.
            pub fn is_empty(&self) -> bool {
                true $( && self.$field.is_none() )* && self.extra.is_empty()
            }

            /// Whether `key` is a known key that is set (and so hides the same key in `extra`).
            fn has_known(&self, key: &str) -> bool {
                match key {
                    $( $key => self.$field.is_some(), )*
                    _ => false,
                }
            }
        }

        impl $crate::protocol::dict_struct::DictStruct for $name {
            fn read_entries<'de, A: serde::de::MapAccess<'de>>(
                mut map: A,
            ) -> Result<Result<Self, $crate::protocol::dict_struct::BadKey>, A::Error> {
                use $crate::protocol::field::{FieldSeed, FieldType};
                $( let mut $field: Option<Result<$ty, $crate::protocol::Value>> = None; )*
                let mut extra = $crate::protocol::Dict::new();
                while let Some(key) = map.next_key_seed($crate::serializer::DictKey)? {
                    match key.as_ref() {
                        $( $key => $field = Some(map.next_value_seed(FieldSeed::<$ty>::new())?), )*
                        _ => {
                            let value: $crate::protocol::Value = map.next_value()?;
                            extra.insert(key.into_owned(), value);
                        }
                    }
                }
                Ok(Ok(Self {
                    $( $field: match $field {
                        None => None,
                        Some(Ok(v)) => Some(v),
                        Some(Err(found)) => {
                            return Ok(Err($crate::protocol::dict_struct::BadKey {
                                key: $key,
                                expected: <$ty as FieldType>::EXPECTED,
                                found,
                            }));
                        }
                    }, )*
                    extra,
                }))
            }

            fn is_empty(&self) -> bool {
                $name::is_empty(self)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap as _;
                const N: usize = $name::KEYS.len();
                const ORDER: [usize; N] = $crate::protocol::dict_struct::sorted_order($name::KEYS);
                let set: [bool; N] = [$( self.$field.is_some() ),*];
                let writers: [fn(&Self, &mut S::SerializeMap) -> Result<(), S::Error>; N] = [$(
                    |this: &Self, m: &mut S::SerializeMap| match &this.$field {
                        Some(v) => m.serialize_entry($key, v),
                        None => Ok(()),
                    }
                ),*];
                let mut extra = self.extra.iter().filter(|(k, _)| !self.has_known(k)).peekable();
                let len = set.iter().filter(|s| **s).count()
                    + self.extra.keys().filter(|k| !self.has_known(k)).count();
                let mut m = s.serialize_map(Some(len))?;
                for i in ORDER {
                    if !set[i] {
                        continue;
                    }
                    while let Some((k, v)) = extra.next_if(|(k, _)| k.as_str() < $name::KEYS[i]) {
                        m.serialize_entry(k, v)?;
                    }
                    writers[i](self, &mut m)?;
                }
                for (k, v) in extra {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
    };
}
pub(crate) use dict_struct;
