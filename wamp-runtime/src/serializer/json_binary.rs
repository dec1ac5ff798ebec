//! Serde adapters that give JSON the WAMP binary convention: binary data
//! (serde's `bytes`) travels as a string `"\0"` followed by base64 (standard
//! alphabet, padded).
//!
//! [`BinarySerializer`] wraps a serializer and writes `serialize_bytes` as such
//! a string; [`BinaryDeserializer`] wraps a deserializer and turns such strings
//! back into bytes when the visitor asks for bytes or for any value (e.g.
//! [`Value`](crate::protocol::Value) or an untagged enum). Everything else is
//! forwarded untouched, and both adapters wrap every nested value (elements,
//! map values, fields, variants, options and newtypes), so the convention holds
//! at any depth without building a value tree. Map keys are forwarded as they
//! are: WAMP dictionaries have string keys.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Serialize, Serializer};

/// The string that stands for `bytes` in JSON: `"\0"` + base64.
pub(crate) fn binary_string(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(1 + bytes.len().div_ceil(3) * 4);
    text.push('\0');
    STANDARD.encode_string(bytes, &mut text);
    text
}

/// The bytes a `"\0"` + base64 string stands for, if it is one.
fn binary_from_text(text: &[u8]) -> Option<Vec<u8>> {
    STANDARD.decode(text.strip_prefix(b"\0")?).ok()
}

// ---------------------------------------------------------------------------
// Serialization
// ---------------------------------------------------------------------------

/// A serializer that writes binary data as `"\0"` + base64 strings and
/// forwards everything else to the wrapped serializer.
pub(crate) struct BinarySerializer<S>(pub(crate) S);

/// A value serialized through [`BinarySerializer`], whatever serializer it is
/// handed (a JSON serializer gives nested values a serializer of its own).
struct Binary<'a, T: ?Sized>(&'a T);

impl<T: Serialize + ?Sized> Serialize for Binary<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(BinarySerializer(serializer))
    }
}

/// A compound (sequence, map, struct, …) whose elements are wrapped in [`Binary`].
pub(crate) struct Compound<C>(C);

macro_rules! forward_ser {
    ($($method:ident($t:ty)),* $(,)?) => {$(
        fn $method(self, v: $t) -> Result<S::Ok, S::Error> {
            self.0.$method(v)
        }
    )*};
}

impl<S: Serializer> Serializer for BinarySerializer<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Compound<S::SerializeSeq>;
    type SerializeTuple = Compound<S::SerializeTuple>;
    type SerializeTupleStruct = Compound<S::SerializeTupleStruct>;
    type SerializeTupleVariant = Compound<S::SerializeTupleVariant>;
    type SerializeMap = Compound<S::SerializeMap>;
    type SerializeStruct = Compound<S::SerializeStruct>;
    type SerializeStructVariant = Compound<S::SerializeStructVariant>;

    forward_ser!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_unit_struct(&'static str),
    );

    fn serialize_bytes(self, v: &[u8]) -> Result<S::Ok, S::Error> {
        self.0.serialize_str(&binary_string(v))
    }

    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_none()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.0.serialize_some(&Binary(value))
    }

    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit_variant(name, index, variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_newtype_struct(name, &Binary(value))
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0
            .serialize_newtype_variant(name, index, variant, &Binary(value))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        self.0.serialize_seq(len).map(Compound)
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        self.0.serialize_tuple(len).map(Compound)
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        self.0.serialize_tuple_struct(name, len).map(Compound)
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        self.0
            .serialize_tuple_variant(name, index, variant, len)
            .map(Compound)
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        self.0.serialize_map(len).map(Compound)
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        self.0.serialize_struct(name, len).map(Compound)
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        self.0
            .serialize_struct_variant(name, index, variant, len)
            .map(Compound)
    }

    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.0.collect_str(value)
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

macro_rules! compound_elements {
    ($($trait:ident :: $method:ident),* $(,)?) => {$(
        impl<C: ser::$trait> ser::$trait for Compound<C> {
            type Ok = C::Ok;
            type Error = C::Error;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
                self.0.$method(&Binary(value))
            }

            fn end(self) -> Result<C::Ok, C::Error> {
                self.0.end()
            }
        }
    )*};
}

compound_elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field,
);

macro_rules! compound_fields {
    ($($trait:ident),* $(,)?) => {$(
        impl<C: ser::$trait> ser::$trait for Compound<C> {
            type Ok = C::Ok;
            type Error = C::Error;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), C::Error> {
                self.0.serialize_field(key, &Binary(value))
            }

            fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
                self.0.skip_field(key)
            }

            fn end(self) -> Result<C::Ok, C::Error> {
                self.0.end()
            }
        }
    )*};
}

compound_fields!(SerializeStruct, SerializeStructVariant);

impl<C: ser::SerializeMap> ser::SerializeMap for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), C::Error> {
        self.0.serialize_key(key)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.0.serialize_value(&Binary(value))
    }

    fn serialize_entry<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), C::Error> {
        self.0.serialize_entry(key, &Binary(value))
    }

    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

// ---------------------------------------------------------------------------
// Deserialization
// ---------------------------------------------------------------------------

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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde::{Deserialize, Serialize};
    use serde_bytes::ByteBuf;

    use super::super::format::Format;
    use super::super::json::Json;
    use crate::protocol::{Dict, JsonValue, Payload, Value};
    use crate::serializer::SerializerKind;

    /// The spec's test vector (advanced/serialization_binary_json.md).
    const VECTOR: [u8; 16] = [
        0x10, 0xe3, 0xff, 0x90, 0x53, 0x07, 0x5c, 0x52, 0x6f, 0x5f, 0xc0, 0x6d, 0x4f, 0xe3, 0x7c,
        0xdb,
    ];
    const VECTOR_JSON: &str = r#""\u0000EOP/kFMHXFJvX8BtT+N82w==""#;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Inner {
        tag: String,
        blob: ByteBuf,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    enum Kind {
        Unit,
        Blob(ByteBuf),
        Pair(ByteBuf, u8),
        Named { blob: ByteBuf, label: String },
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(untagged)]
    enum Loose {
        Text(String),
        Blob(ByteBuf),
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Record {
        name: String,
        data: ByteBuf,
        #[serde(with = "serde_bytes")]
        raw: Vec<u8>,
        plain: Vec<u8>,
        maybe: Option<ByteBuf>,
        none: Option<ByteBuf>,
        list: Vec<ByteBuf>,
        map: BTreeMap<String, ByteBuf>,
        inner: Inner,
        kinds: Vec<Kind>,
        loose: Vec<Loose>,
        any: Value,
        nul_text: String,
        nul_base64_text: String,
    }

    fn record() -> Record {
        Record {
            name: "plain text".into(),
            data: ByteBuf::from(VECTOR.to_vec()),
            raw: vec![0, 1, 2, 255],
            plain: vec![7, 8],
            maybe: Some(ByteBuf::from(vec![9])),
            none: None,
            list: vec![ByteBuf::new(), ByteBuf::from(vec![1, 2, 3])],
            map: [("k".to_owned(), ByteBuf::from(vec![42]))].into(),
            inner: Inner {
                tag: "\0not base64!".into(),
                blob: ByteBuf::from(vec![0xde, 0xad]),
            },
            kinds: vec![
                Kind::Unit,
                Kind::Blob(ByteBuf::from(vec![1])),
                Kind::Pair(ByteBuf::from(vec![2]), 3),
                Kind::Named {
                    blob: ByteBuf::from(vec![4]),
                    label: "five".into(),
                },
            ],
            loose: vec![
                // Not UTF-8, so that it cannot pass for a `Text`.
                Loose::Blob(ByteBuf::from(vec![0xff, 0x00])),
                Loose::Text("text".into()),
            ],
            any: Value::List(vec![Value::Bytes(vec![1, 2]), Value::String("s".into())]),
            nul_text: "\0x".into(),
            // A String field keeps its text even if it looks binary.
            nul_base64_text: "\0AAAA".into(),
        }
    }

    fn to_json<T: Serialize + ?Sized>(v: &T) -> String {
        let mut out = Vec::new();
        Json::encode_typed(&mut out, v).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn spec_vector() {
        assert_eq!(to_json(&ByteBuf::from(VECTOR.to_vec())), VECTOR_JSON);
        assert_eq!(to_json(&Value::Bytes(VECTOR.to_vec())), VECTOR_JSON);
        let back: ByteBuf = Json::decode_typed(VECTOR_JSON.as_bytes()).unwrap();
        assert_eq!(back.as_slice(), VECTOR);
        let back: Value = Json::decode_typed(VECTOR_JSON.as_bytes()).unwrap();
        assert_eq!(back, Value::Bytes(VECTOR.to_vec()));
    }

    #[test]
    fn struct_with_binary_fields_round_trips() {
        let rec = record();
        let text = to_json(&rec);
        assert!(
            text.contains(r#""data":"\u0000EOP/kFMHXFJvX8BtT+N82w==""#),
            "{text}"
        );
        assert!(text.contains(r#""raw":"\u0000AAEC/w==""#), "{text}");
        // A plain Vec<u8> is a sequence, not binary.
        assert!(text.contains(r#""plain":[7,8]"#), "{text}");
        assert!(text.contains(r#""name":"plain text""#), "{text}");
        assert!(text.contains(r#""tag":"\u0000not base64!""#), "{text}");
        let back: Record = Json::decode_typed(text.as_bytes()).unwrap();
        assert_eq!(back, rec);
    }

    #[test]
    fn struct_decodes_from_every_serializer_after_transcoding() {
        let mut rec = record();
        // Transcoding cannot tell such a string from binary data: the convention
        // is ambiguous there, so only typed JSON decoding keeps it a string.
        rec.nul_base64_text = "text".into();
        for from in SerializerKind::ALL {
            let payload = Payload::encode_args(from, &(rec.clone(),)).unwrap();
            for to in SerializerKind::ALL {
                let moved = payload.to_serializer(to).unwrap();
                assert_eq!(moved.serializer(), Some(to));
                let (back,): (Record,) =
                    moved.args().unwrap_or_else(|e| panic!("{from}->{to}: {e}"));
                assert_eq!(back, rec, "{from} -> {to}");
                // And back into JSON.
                let json = moved.to_serializer(SerializerKind::Json).unwrap();
                let (back,): (Record,) = json.args().unwrap();
                assert_eq!(back, rec, "{from} -> {to} -> json");
            }
        }
    }

    #[test]
    fn ordinary_and_non_base64_strings_stay_strings() {
        for text in ["hello", "", "\0", "\0x", "\0not base64", "\0AAA", "a\0AAAA"] {
            let json = to_json(text);
            let as_string: String = Json::decode_typed(json.as_bytes()).unwrap();
            assert_eq!(as_string, text);
        }
        for text in ["hello", "\0x", "\0not base64", "\0AAA", "a\0AAAA"] {
            let json = to_json(text);
            let value: Value = Json::decode_typed(json.as_bytes()).unwrap();
            assert_eq!(value, Value::String(text.into()), "{json}");
        }
        // `"\0"` alone is the empty binary string, as in Autobahn.
        let value: Value = Json::decode_typed(br#""\u0000""#).unwrap();
        assert_eq!(value, Value::Bytes(Vec::new()));
        // Keys are never binary.
        let value: Value = Json::decode_typed(br#"{"\u0000AAAA":"\u0000AAAA"}"#).unwrap();
        let mut expected = Dict::new();
        expected.insert("\0AAAA".into(), Value::Bytes(vec![0, 0, 0]));
        assert_eq!(value, Value::Dict(expected));
    }

    #[test]
    fn bytes_from_plain_strings_and_lists_are_still_accepted() {
        let b: ByteBuf = Json::decode_typed(br#""abc""#).unwrap();
        assert_eq!(b.as_slice(), b"abc");
        let b: ByteBuf = Json::decode_typed(b"[1,2,3]").unwrap();
        assert_eq!(b.as_slice(), [1, 2, 3]);
    }

    #[test]
    fn trailing_garbage_is_rejected() {
        assert!(Json::decode_typed::<Value>(b"[1] x").is_err());
        assert!(Json::decode_typed::<Value>(b"").is_err());
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::UInt),
            any::<f64>()
                .prop_filter("finite", |x| x.is_finite())
                .prop_map(Value::Float),
            "\\PC{0,8}".prop_map(Value::String),
            "\\x00[A-Za-z0-9+/=!]{0,8}".prop_map(Value::String),
            prop::collection::vec(any::<u8>(), 0..12).prop_map(Value::Bytes),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::List),
                prop::collection::btree_map("\\PC{0,4}", inner, 0..4).prop_map(Value::Dict),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        /// The adapters give `Value` exactly what the value-tree path gave.
        #[test]
        fn value_behaviour_is_unchanged(v in value()) {
            let old_text = serde_json::to_string(&JsonValue(&v)).unwrap();
            prop_assert_eq!(&to_json(&v), &old_text);
            let mut old: Value = serde_json::from_str(&old_text).unwrap();
            old.decode_json_binary();
            let new: Value = Json::decode_typed(old_text.as_bytes()).unwrap();
            prop_assert_eq!(new, old);
        }
    }
}
