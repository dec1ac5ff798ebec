//! Dict keys: strings where the target asks for a string or a field name.

use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Unexpected, Visitor,
};

/// A seed for a dict key, read through [`KeyDeserializer`].
pub(super) struct KeySeed<T>(pub(super) T);

impl<'de, T: DeserializeSeed<'de>> DeserializeSeed<'de> for KeySeed<T> {
    type Value = T::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T::Value, D::Error> {
        self.0.deserialize(KeyDeserializer(d))
    }
}

/// A dict key: where the target asks for a string or a field name, anything
/// but a string is refused, naming the key; other targets (an integer key)
/// read it as the format does.
struct KeyDeserializer<D>(D);

impl<'de, D: Deserializer<'de>> KeyDeserializer<D> {
    fn string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(KeyVisitor(visitor))
    }
}

macro_rules! forward {
    ($($method:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method(visitor)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for KeyDeserializer<D> {
    type Error = D::Error;

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.string(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.string(visitor)
    }

    // Any other target reads the key as the format does.
    forward!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_ignored_any,
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// Accepts a string key and refuses any other, naming it.
struct KeyVisitor<V>(V);

impl<V> KeyVisitor<V> {
    fn not_a_string<E: de::Error>(key: Unexpected<'_>) -> E {
        E::custom(format_args!(
            "dict key {key} is not a string (dict keys must be strings)"
        ))
    }
}

macro_rules! refuse_key {
    ($($method:ident($t:ty) => $unexpected:expr),* $(,)?) => {$(
        fn $method<E: de::Error>(self, v: $t) -> Result<V::Value, E> {
            Err(Self::not_a_string(($unexpected)(v)))
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for KeyVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.0.visit_str(v)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        self.0.visit_borrowed_str(v)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        self.0.visit_string(v)
    }

    refuse_key!(
        visit_bool(bool) => Unexpected::Bool,
        visit_i64(i64) => Unexpected::Signed,
        visit_u64(u64) => Unexpected::Unsigned,
        visit_f64(f64) => Unexpected::Float,
        visit_bytes(&[u8]) => Unexpected::Bytes,
    );

    fn visit_i128<E: de::Error>(self, _v: i128) -> Result<V::Value, E> {
        Err(Self::not_a_string(Unexpected::Other("integer")))
    }

    fn visit_u128<E: de::Error>(self, _v: u128) -> Result<V::Value, E> {
        Err(Self::not_a_string(Unexpected::Other("integer")))
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        Err(Self::not_a_string(Unexpected::Other("null")))
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        Err(Self::not_a_string(Unexpected::Other("null")))
    }

    fn visit_some<D: Deserializer<'de>>(self, _d: D) -> Result<V::Value, D::Error> {
        Err(Self::not_a_string(Unexpected::Option))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<V::Value, A::Error> {
        Err(Self::not_a_string(Unexpected::Seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, _map: A) -> Result<V::Value, A::Error> {
        Err(Self::not_a_string(Unexpected::Map))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, _data: A) -> Result<V::Value, A::Error> {
        Err(Self::not_a_string(Unexpected::Other("tagged value")))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, _d: D) -> Result<V::Value, D::Error> {
        Err(Self::not_a_string(Unexpected::NewtypeStruct))
    }
}
