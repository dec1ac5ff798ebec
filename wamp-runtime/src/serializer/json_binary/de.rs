//! Deserialization with the JSON binary convention: [`BinaryDeserializer`]
//! wraps a deserializer and turns `"\0"` + base64 strings back into bytes when
//! the visitor asks for bytes or for any value (a dynamic value, an untagged
//! enum). Everything else is forwarded untouched, and every nested value is
//! wrapped too. Map keys are forwarded as they are: WAMP dictionaries have
//! string keys.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};

use super::text::binary_from_text;

/// A deserializer that reads `"\0"` + base64 strings as binary data where the
/// visitor accepts bytes or any value, and forwards everything else to the
/// wrapped deserializer.
pub(crate) struct BinaryDeserializer<D>(pub(crate) D);

/// What the visitor asked for, which says whether a string may stand for bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A specific type: strings stay strings.
    Plain,
    /// Any value (`deserialize_any`): a binary string is delivered as bytes.
    Any,
    /// Bytes: a binary string is delivered as its decoded bytes.
    Bytes,
}

/// A visitor that wraps nested deserializers and accesses, and turns binary
/// strings into bytes when its mode allows.
struct BinaryVisitor<V> {
    inner: V,
    mode: Mode,
}

impl<V> BinaryVisitor<V> {
    fn new(inner: V, mode: Mode) -> Self {
        BinaryVisitor { inner, mode }
    }

    /// The decoded bytes, when `text` is a binary string and the mode allows it.
    fn binary(&self, text: &[u8]) -> Option<Vec<u8>> {
        if self.mode == Mode::Plain {
            return None;
        }
        binary_from_text(text)
    }
}

macro_rules! forward_de {
    ($mode:ident: $($method:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method(BinaryVisitor::new(visitor, Mode::$mode))
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for BinaryDeserializer<D> {
    type Error = D::Error;

    forward_de!(Any: deserialize_any);
    forward_de!(Bytes: deserialize_bytes, deserialize_byte_buf);
    forward_de!(
        Plain: deserialize_bool,
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
        deserialize_str,
        deserialize_string,
        deserialize_option,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any,
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_unit_struct(name, BinaryVisitor::new(visitor, Mode::Plain))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_newtype_struct(name, BinaryVisitor::new(visitor, Mode::Plain))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_tuple(len, BinaryVisitor::new(visitor, Mode::Plain))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_tuple_struct(name, len, BinaryVisitor::new(visitor, Mode::Plain))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_struct(name, fields, BinaryVisitor::new(visitor, Mode::Plain))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_enum(name, variants, BinaryVisitor::new(visitor, Mode::Plain))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

macro_rules! forward_visit {
    ($($method:ident($t:ty)),* $(,)?) => {$(
        fn $method<E: de::Error>(self, v: $t) -> Result<V::Value, E> {
            self.inner.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for BinaryVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_visit!(
        visit_bool(bool),
        visit_i8(i8),
        visit_i16(i16),
        visit_i32(i32),
        visit_i64(i64),
        visit_i128(i128),
        visit_u8(u8),
        visit_u16(u16),
        visit_u32(u32),
        visit_u64(u64),
        visit_u128(u128),
        visit_f32(f32),
        visit_f64(f64),
        visit_char(char),
    );

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        match self.binary(v.as_bytes()) {
            Some(bytes) => self.inner.visit_byte_buf(bytes),
            None => self.inner.visit_str(v),
        }
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        match self.binary(v.as_bytes()) {
            Some(bytes) => self.inner.visit_byte_buf(bytes),
            None => self.inner.visit_borrowed_str(v),
        }
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        match self.binary(v.as_bytes()) {
            Some(bytes) => self.inner.visit_byte_buf(bytes),
            None => self.inner.visit_string(v),
        }
    }

    // serde_json hands the raw text of a string to `deserialize_bytes` visitors.
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<V::Value, E> {
        match self.binary(v) {
            Some(bytes) => self.inner.visit_byte_buf(bytes),
            None => self.inner.visit_bytes(v),
        }
    }

    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<V::Value, E> {
        match self.binary(v) {
            Some(bytes) => self.inner.visit_byte_buf(bytes),
            None => self.inner.visit_borrowed_bytes(v),
        }
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<V::Value, E> {
        match self.binary(&v) {
            Some(bytes) => self.inner.visit_byte_buf(bytes),
            None => self.inner.visit_byte_buf(v),
        }
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_none()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(BinaryDeserializer(d))
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.inner.visit_newtype_struct(BinaryDeserializer(d))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.inner.visit_seq(BinaryAccess(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(BinaryAccess(map))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.inner.visit_enum(BinaryAccess(data))
    }
}

/// A seed whose value is deserialized through [`BinaryDeserializer`].
struct BinarySeed<T>(T);

impl<'de, T: DeserializeSeed<'de>> DeserializeSeed<'de> for BinarySeed<T> {
    type Value = T::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T::Value, D::Error> {
        self.0.deserialize(BinaryDeserializer(d))
    }
}

/// A sequence, map, enum or variant access whose values are deserialized
/// through [`BinaryDeserializer`].
struct BinaryAccess<A>(A);

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for BinaryAccess<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(BinarySeed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for BinaryAccess<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        // Keys are strings: forwarded as they are.
        self.0.next_key_seed(seed)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(BinarySeed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for BinaryAccess<A> {
    type Error = A::Error;
    type Variant = BinaryAccess<A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Self::Variant), A::Error> {
        // The variant name is an identifier: forwarded as it is.
        let (value, variant) = self.0.variant_seed(seed)?;
        Ok((value, BinaryAccess(variant)))
    }
}

impl<'de, A: de::VariantAccess<'de>> de::VariantAccess<'de> for BinaryAccess<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(BinarySeed(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0
            .tuple_variant(len, BinaryVisitor::new(visitor, Mode::Plain))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0
            .struct_variant(fields, BinaryVisitor::new(visitor, Mode::Plain))
    }
}
