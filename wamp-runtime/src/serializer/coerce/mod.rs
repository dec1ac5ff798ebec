//! The typed decoding rules, decided once for every serializer.
//!
//! [`Coerce`] wraps the deserializer of any format (JSON, MessagePack, CBOR,
//! a local [`Value`](super::Value)) on the typed path (payload arguments into
//! user types) so that the same wire value decodes the same way whatever
//! carried it. It asks the wrapped deserializer what the value is
//! (`deserialize_any`) wherever the target is a scalar, bytes, a list or a
//! dict, and applies these rules before the target's own visitor sees it:
//!
//! - **integer → float**: accepted (JSON Schema's `number` includes integers).
//!   Beyond ±2^53 the integer is rounded to the nearest `f64`, as JSON parsers
//!   and Python's `float(n)` do; an `f32` target then rounds that `f64`.
//! - **integer → integer**: accepted when in the target's range, else
//!   ``invalid value: integer `300`, expected u8``.
//! - **float → integer**: accepted only when the float is whole and in range
//!   (`2.0` → `2`, as JSON Schema's `integer` accepts `2.0`); `2.5`, NaN or an
//!   out-of-range float is ``invalid value: floating point `2.5`, expected ...``.
//! - **binary data**: MessagePack `bin`, CBOR byte strings and JSON's `"\0"` +
//!   base64 strings are the same thing: they fill `Vec<u8>` (as a list of
//!   bytes), `serde_bytes::ByteBuf` and any type asking for bytes
//!   (`bytes::Bytes` with its `serde` feature) alike, and are refused
//!   (`invalid type: byte array, ...`) by a string or any other target. A
//!   text string given to a bytes target goes to that target as text (which
//!   `ByteBuf` takes as its UTF-8 and `Vec<u8>` refuses), in every format.
//! - **dict keys** must be strings where a struct field or a string key is
//!   expected: ``dict key integer `1` is not a string``, never a field by index.
//! - **`null`** fills an `Option` (as `None`) or `()`; any other target refuses
//!   it with `invalid type: null, expected ...`. A missing field is the
//!   struct's business (an `Option` field reads as `None`).
//!
//! Targets that take any value (a dynamic value, an untagged enum) see the
//! value as it is, with JSON binary strings as bytes. Nested lists, dicts,
//! options, newtypes and enum contents are wrapped too. (What serde buffers
//! before choosing a type, the contents of untagged and internally tagged
//! enums and of `#[serde(flatten)]` fields, is read by serde's own rules.)

mod keys;

use std::fmt;

use serde::de::value::SeqDeserializer;
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Unexpected,
    VariantAccess, Visitor,
};

use super::json_binary::binary_from_text;
use keys::KeySeed;

/// A deserializer applying the typed decoding rules of this module to the
/// value read from the wrapped deserializer and every value nested in it.
pub(crate) struct Coerce<D>(pub(crate) D);

/// What the target asked for, which decides the rules that apply.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Any value: delivered as it is (JSON binary strings as bytes).
    Any,
    /// An integer of any width.
    Int,
    /// A float.
    Float,
    /// Binary data.
    Bytes,
    /// A list (binary data reads as a list of bytes).
    Seq,
    /// `()`: `null`.
    Unit,
    /// An `Option`: `null` is `None`.
    Option,
    /// Anything else (a bool, a string, a dict, a struct): binary data and
    /// `null` are refused.
    Plain,
}

/// A `T` decoded through [`Coerce`], for formats that only take a type
/// (`ciborium::from_reader`).
pub(crate) struct Coerced<T>(pub(crate) T);

impl<'de, T: de::Deserialize<'de>> de::Deserialize<'de> for Coerced<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(Coerce(d)).map(Coerced)
    }
}

impl<'de, D: Deserializer<'de>> Coerce<D> {
    fn any<V: Visitor<'de>>(self, visitor: V, mode: Mode) -> Result<V::Value, D::Error> {
        let text = self.0.is_human_readable();
        self.0.deserialize_any(CoerceVisitor {
            inner: visitor,
            mode,
            text,
        })
    }

    fn wrap<V>(&self, visitor: V, mode: Mode) -> CoerceVisitor<V> {
        CoerceVisitor {
            inner: visitor,
            mode,
            text: self.0.is_human_readable(),
        }
    }
}

macro_rules! via_any {
    ($mode:ident: $($method:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.any(visitor, Mode::$mode)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Coerce<D> {
    type Error = D::Error;

    via_any!(Any: deserialize_any);
    via_any!(
        Int: deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
    );
    via_any!(Float: deserialize_f32, deserialize_f64);
    via_any!(Bytes: deserialize_bytes, deserialize_byte_buf);
    via_any!(Seq: deserialize_seq);
    via_any!(Unit: deserialize_unit);
    via_any!(
        Plain: deserialize_bool,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_map,
    );

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        let visitor = self.wrap(visitor, Mode::Option);
        self.0.deserialize_option(visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.any(visitor, Mode::Unit)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        // Any value, so that a format's own newtypes (serde_json's raw values) pass.
        let visitor = self.wrap(visitor, Mode::Any);
        self.0.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.any(visitor, Mode::Seq)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.any(visitor, Mode::Seq)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        // A dict, or a list of the fields in order: each format's own choice
        // (CBOR's reads only dicts) is replaced by the visitor's.
        self.any(visitor, Mode::Plain)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = self.wrap(visitor, Mode::Plain);
        self.0.deserialize_enum(name, variants, visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_identifier(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_ignored_any(visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// The visitor of the target, wrapped to apply the rules of `mode`.
struct CoerceVisitor<V> {
    inner: V,
    mode: Mode,
    /// The format carries binary data as `"\0"` + base64 strings (JSON).
    text: bool,
}

/// What a float-to-integer conversion expected, for its error.
struct WholeNumber<'a, V>(&'a V);

impl<'de, V: Visitor<'de>> fmt::Display for WholeNumber<'_, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)?;
        f.write_str(" (a float converts only when whole and in range)")
    }
}

/// Largest float that converts to `u64` (2^64, exclusive).
const U64_END: f64 = 18_446_744_073_709_551_616.0;
/// Smallest float that converts to `i64` (-2^63).
const I64_START: f64 = -9_223_372_036_854_775_808.0;

impl<'de, V: Visitor<'de>> CoerceVisitor<V> {
    /// `null` where the target is not an `Option` or `()`.
    fn null<E: de::Error>(self) -> Result<V::Value, E> {
        Err(E::invalid_type(Unexpected::Other("null"), &self.inner))
    }

    fn unsigned<E: de::Error>(self, n: u64) -> Result<V::Value, E> {
        match self.mode {
            Mode::Float => self.inner.visit_f64(n as f64),
            _ => self.inner.visit_u64(n),
        }
    }

    fn signed<E: de::Error>(self, n: i64) -> Result<V::Value, E> {
        match self.mode {
            Mode::Float => self.inner.visit_f64(n as f64),
            Mode::Int if n >= 0 => self.inner.visit_u64(n as u64),
            _ => self.inner.visit_i64(n),
        }
    }

    fn float<E: de::Error>(self, x: f64) -> Result<V::Value, E> {
        if self.mode != Mode::Int {
            return self.inner.visit_f64(x);
        }
        // `as` saturates; the bounds make the conversion exact.
        if x.fract() == 0.0 && (0.0..U64_END).contains(&x) {
            self.inner.visit_u64(x as u64)
        } else if x.fract() == 0.0 && (I64_START..0.0).contains(&x) {
            self.inner.visit_i64(x as i64)
        } else {
            // Formatted here: serde_json would write the float its own way.
            Err(E::custom(format_args!(
                "invalid value: floating point `{x}`, expected {}",
                WholeNumber(&self.inner)
            )))
        }
    }

    fn bytes<E: de::Error>(self, v: &[u8]) -> Result<V::Value, E> {
        match self.mode {
            Mode::Any | Mode::Bytes => self.inner.visit_bytes(v),
            Mode::Seq => self
                .inner
                .visit_seq(SeqDeserializer::<_, E>::new(v.iter().copied())),
            _ => Err(E::invalid_type(Unexpected::Bytes(v), &self.inner)),
        }
    }

    fn byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<V::Value, E> {
        match self.mode {
            Mode::Any | Mode::Bytes => self.inner.visit_byte_buf(v),
            _ => self.bytes(&v),
        }
    }

    /// The bytes a JSON string stands for, when it is a binary one.
    fn binary(&self, s: &str) -> Option<Vec<u8>> {
        if self.text {
            binary_from_text(s.as_bytes())
        } else {
            None
        }
    }
}

impl<'de, V: Visitor<'de>> Visitor<'de> for CoerceVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<V::Value, E> {
        self.inner.visit_bool(v)
    }

    fn visit_i8<E: de::Error>(self, v: i8) -> Result<V::Value, E> {
        self.signed(v.into())
    }

    fn visit_i16<E: de::Error>(self, v: i16) -> Result<V::Value, E> {
        self.signed(v.into())
    }

    fn visit_i32<E: de::Error>(self, v: i32) -> Result<V::Value, E> {
        self.signed(v.into())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        self.signed(v)
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<V::Value, E> {
        match (self.mode, i64::try_from(v)) {
            (_, Ok(n)) => self.signed(n),
            (Mode::Float, Err(_)) => self.inner.visit_f64(v as f64),
            _ => self.inner.visit_i128(v),
        }
    }

    fn visit_u8<E: de::Error>(self, v: u8) -> Result<V::Value, E> {
        self.unsigned(v.into())
    }

    fn visit_u16<E: de::Error>(self, v: u16) -> Result<V::Value, E> {
        self.unsigned(v.into())
    }

    fn visit_u32<E: de::Error>(self, v: u32) -> Result<V::Value, E> {
        self.unsigned(v.into())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        self.unsigned(v)
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<V::Value, E> {
        match (self.mode, u64::try_from(v)) {
            (_, Ok(n)) => self.unsigned(n),
            (Mode::Float, Err(_)) => self.inner.visit_f64(v as f64),
            _ => self.inner.visit_u128(v),
        }
    }

    fn visit_f32<E: de::Error>(self, v: f32) -> Result<V::Value, E> {
        match self.mode {
            Mode::Int => self.float(v.into()),
            _ => self.inner.visit_f32(v),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        self.float(v)
    }

    fn visit_char<E: de::Error>(self, v: char) -> Result<V::Value, E> {
        self.inner.visit_char(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        match self.binary(v) {
            Some(bytes) => self.byte_buf(bytes),
            None => self.inner.visit_str(v),
        }
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        match self.binary(v) {
            Some(bytes) => self.byte_buf(bytes),
            None => self.inner.visit_borrowed_str(v),
        }
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        match self.binary(&v) {
            Some(bytes) => self.byte_buf(bytes),
            None => self.inner.visit_string(v),
        }
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<V::Value, E> {
        self.bytes(v)
    }

    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<V::Value, E> {
        match self.mode {
            Mode::Any | Mode::Bytes => self.inner.visit_borrowed_bytes(v),
            _ => self.bytes(v),
        }
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<V::Value, E> {
        self.byte_buf(v)
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        match self.mode {
            Mode::Any | Mode::Option => self.inner.visit_none(),
            Mode::Unit => self.inner.visit_unit(),
            _ => self.null(),
        }
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(Coerce(d))
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        match self.mode {
            Mode::Any | Mode::Option | Mode::Unit => self.inner.visit_unit(),
            _ => self.null(),
        }
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.inner.visit_newtype_struct(Coerce(d))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.inner.visit_seq(CoerceAccess(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        let keys = if self.mode == Mode::Any {
            Keys::Native
        } else {
            Keys::Strings
        };
        self.inner.visit_map(CoerceMap { map, keys })
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.inner.visit_enum(CoerceAccess(data))
    }
}

/// A seed whose value is deserialized through [`Coerce`].
struct CoerceSeed<T>(T);

impl<'de, T: DeserializeSeed<'de>> DeserializeSeed<'de> for CoerceSeed<T> {
    type Value = T::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T::Value, D::Error> {
        self.0.deserialize(Coerce(d))
    }
}

/// A sequence, enum or variant access whose values are read through [`Coerce`].
struct CoerceAccess<A>(A);

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for CoerceAccess<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(CoerceSeed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for CoerceAccess<A> {
    type Error = A::Error;
    type Variant = CoerceAccess<A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Self::Variant), A::Error> {
        // The variant name is the format's business.
        let (value, variant) = self.0.variant_seed(seed)?;
        Ok((value, CoerceAccess(variant)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for CoerceAccess<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(CoerceSeed(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        // The format has already read the variant's content as a list.
        self.0.tuple_variant(
            len,
            CoerceVisitor {
                inner: visitor,
                mode: Mode::Seq,
                text: false,
            },
        )
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(
            fields,
            CoerceVisitor {
                inner: visitor,
                mode: Mode::Plain,
                text: false,
            },
        )
    }
}

/// How the keys of a dict are read.
#[derive(Clone, Copy)]
enum Keys {
    /// As the format reads them (a target taking any value).
    Native,
    /// Strings where the target asks for a string or a field name.
    Strings,
}

/// A map access whose keys follow [`Keys`] and whose values are read through [`Coerce`].
struct CoerceMap<A> {
    map: A,
    keys: Keys,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for CoerceMap<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.keys {
            Keys::Native => self.map.next_key_seed(seed),
            Keys::Strings => self.map.next_key_seed(KeySeed(seed)),
        }
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.map.next_value_seed(CoerceSeed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}
