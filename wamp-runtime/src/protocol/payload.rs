//! Application payload: the `Arguments` list and `ArgumentsKw` dict of a message.
//!
//! A payload decoded from a frame keeps the serializer's raw bytes (slices of the
//! frame, no copy, no value tree). A peer decodes them straight into its own types
//! with [`Payload::args`] and [`Payload::kwargs`]; a router forwards them as they
//! are to a peer of the same serializer, and transcodes them only for a peer of
//! another serializer.
//!
//! A payload built here before its serializer is known ([`Payload::from_args`],
//! [`Payload::from_values`]) keeps its values and is encoded once in each
//! serializer it is sent in, straight from them.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::encoded_parts::EncodedParts;
use super::local_args::LocalArgs;
use super::single_arg::OnlyArg;
use crate::serializer::parts;
use crate::serializer::{Coerce, Dict, PathError, PayloadError, SerializerKind, Value};

/// The `Arguments`/`ArgumentsKw` of a message, or a transparent (end-to-end
/// encrypted) payload.
#[derive(Clone, Default)]
pub struct Payload {
    inner: Inner,
}

#[derive(Clone, Default)]
enum Inner {
    #[default]
    Empty,
    /// Encoded in a serializer (received, or encoded for a known serializer).
    Raw {
        serializer: SerializerKind,
        parts: EncodedParts,
    },
    /// Values built here, encoded per serializer when sent; never both empty.
    Local(Arc<LocalArgs>),
    /// Opaque bytes; `text` when they arrived as a string element.
    Transparent { bytes: Bytes, text: bool },
}

/// The shape of a value, for an error message.
fn shape(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Int(_) | Value::UInt(_) => "an integer",
        Value::Float(_) => "a float",
        Value::String(_) => "a string",
        Value::Bytes(_) => "binary data",
        Value::List(_) => "a list",
        Value::Dict(_) => "a dict",
    }
}

/// Converts local positional arguments into values; they must be a list.
fn to_list<T: Serialize + ?Sized>(args: &T) -> Result<Vec<Value>, PayloadError> {
    match Value::from_serialize(args).map_err(local_error("args"))? {
        Value::List(items) => Ok(items),
        other => Err(not_a(&other, "args", "a list")),
    }
}

/// Converts local keyword arguments into values; they must be a dict.
fn to_dict<T: Serialize + ?Sized>(kwargs: &T) -> Result<Dict, PayloadError> {
    match Value::from_serialize(kwargs).map_err(local_error("kwargs"))? {
        Value::Dict(dict) => Ok(dict),
        other => Err(not_a(&other, "kwargs", "a dict")),
    }
}

fn not_a(found: &Value, part: &'static str, want: &str) -> PayloadError {
    PayloadError::Value {
        part,
        reason: format!("{part} must serialize as {want}, not {}", shape(found)),
    }
}

fn local_error(part: &'static str) -> impl FnOnce(crate::serializer::ValueError) -> PayloadError {
    move |e| PayloadError::Value { part, reason: e.0 }
}

impl Payload {
    /// A payload with no arguments.
    pub const fn empty() -> Self {
        Payload {
            inner: Inner::Empty,
        }
    }

    /// Positional arguments from any value that serializes as a list (a tuple,
    /// a `Vec`, an array), encoded for the given serializer.
    pub fn encode_args<A: Serialize + ?Sized>(
        serializer: SerializerKind,
        args: &A,
    ) -> Result<Self, PayloadError> {
        let args = parts::encode_part(serializer, "args", args)?;
        Ok(Self::from_raw(serializer, Some(args), None))
    }

    /// Keyword arguments from any value that serializes as a map (a struct, a
    /// `HashMap<String, _>`), encoded for the given serializer.
    pub fn encode_kwargs<K: Serialize + ?Sized>(
        serializer: SerializerKind,
        kwargs: &K,
    ) -> Result<Self, PayloadError> {
        let kwargs = parts::encode_part(serializer, "kwargs", kwargs)?;
        Ok(Self::from_raw(serializer, None, Some(kwargs)))
    }

    /// Positional and keyword arguments, encoded for the given serializer.
    pub fn encode<A: Serialize + ?Sized, K: Serialize + ?Sized>(
        serializer: SerializerKind,
        args: &A,
        kwargs: &K,
    ) -> Result<Self, PayloadError> {
        let args = parts::encode_part(serializer, "args", args)?;
        let kwargs = parts::encode_part(serializer, "kwargs", kwargs)?;
        Ok(Self::from_raw(serializer, Some(args), Some(kwargs)))
    }

    /// The same payload with its positional arguments replaced; the keyword
    /// arguments stay as they are (encoded, or local values). A transparent
    /// payload is replaced.
    pub fn with_args<A: Serialize + ?Sized>(&self, args: &A) -> Result<Self, PayloadError> {
        match &self.inner {
            Inner::Raw {
                serializer,
                parts: p,
            } => {
                let args = parts::encode_part(*serializer, "args", args)?;
                Ok(Self::from_raw(*serializer, Some(args), p.kwargs.clone()))
            }
            Inner::Local(local) => Ok(Self::local(
                to_list(args)?,
                local.kwarg_dict().cloned().unwrap_or_default(),
            )),
            _ => Ok(Self::local(to_list(args)?, Dict::new())),
        }
    }

    /// The same payload with its keyword arguments replaced; the positional
    /// arguments stay as they are (encoded, or local values). A transparent
    /// payload is replaced.
    pub fn with_kwargs<K: Serialize + ?Sized>(&self, kwargs: &K) -> Result<Self, PayloadError> {
        match &self.inner {
            Inner::Raw {
                serializer,
                parts: p,
            } => {
                let kwargs = parts::encode_part(*serializer, "kwargs", kwargs)?;
                Ok(Self::from_raw(*serializer, p.args.clone(), Some(kwargs)))
            }
            Inner::Local(local) => Ok(Self::local(local.arg_list().to_vec(), to_dict(kwargs)?)),
            _ => Ok(Self::local(Vec::new(), to_dict(kwargs)?)),
        }
    }

    /// Positional arguments, when the serializer is not known yet: they are kept
    /// as values and encoded once in each serializer they are sent in.
    pub fn from_args<A: Serialize + ?Sized>(args: &A) -> Result<Self, PayloadError> {
        Ok(Self::local(to_list(args)?, Dict::new()))
    }

    /// Keyword arguments, when the serializer is not known yet.
    pub fn from_kwargs<K: Serialize + ?Sized>(kwargs: &K) -> Result<Self, PayloadError> {
        Ok(Self::local(Vec::new(), to_dict(kwargs)?))
    }

    /// Positional and keyword arguments, when the serializer is not known yet.
    pub fn from_args_kwargs<A: Serialize + ?Sized, K: Serialize + ?Sized>(
        args: &A,
        kwargs: &K,
    ) -> Result<Self, PayloadError> {
        Ok(Self::local(to_list(args)?, to_dict(kwargs)?))
    }

    /// A payload from dynamic values, encoded once in each serializer it is sent in.
    pub fn from_values(args: Vec<Value>, kwargs: Dict) -> Self {
        Self::local(args, kwargs)
    }

    /// Local values; empty when both parts are.
    fn local(args: Vec<Value>, kwargs: Dict) -> Self {
        if args.is_empty() && kwargs.is_empty() {
            return Self::empty();
        }
        Payload {
            inner: Inner::Local(Arc::new(LocalArgs::new(args, kwargs))),
        }
    }

    /// A transparent payload: bytes the router forwards without looking inside
    /// (used with `enc_algo`).
    pub fn transparent(bytes: impl Into<Bytes>) -> Self {
        Payload {
            inner: Inner::Transparent {
                bytes: bytes.into(),
                text: false,
            },
        }
    }

    /// A transparent payload that arrived as a string rather than binary data
    /// (Autobahn accepts both); it is sent back as a string.
    pub fn transparent_string(text: impl Into<String>) -> Self {
        Payload {
            inner: Inner::Transparent {
                bytes: Bytes::from(text.into()),
                text: true,
            },
        }
    }

    /// The text of a transparent payload that arrived as a string.
    pub fn transparent_text(&self) -> Option<&str> {
        match &self.inner {
            Inner::Transparent { bytes, text: true } => std::str::from_utf8(bytes).ok(),
            _ => None,
        }
    }

    /// A payload of raw encoded parts. Empty lists and dicts are dropped, so that
    /// they are omitted on the wire.
    pub(crate) fn from_raw(
        serializer: SerializerKind,
        args: Option<Bytes>,
        kwargs: Option<Bytes>,
    ) -> Self {
        let parts = EncodedParts::new(serializer, args, kwargs);
        if parts.is_empty() {
            return Self::empty();
        }
        Payload {
            inner: Inner::Raw { serializer, parts },
        }
    }

    /// Whether there are neither arguments nor a transparent payload.
    pub fn is_empty(&self) -> bool {
        matches!(self.inner, Inner::Empty)
    }

    /// The serializer the arguments are encoded with; `None` when there are
    /// none, and for local values not encoded in a serializer of their own.
    pub fn serializer(&self) -> Option<SerializerKind> {
        match &self.inner {
            Inner::Raw { serializer, .. } => Some(*serializer),
            _ => None,
        }
    }

    /// The encoded `Arguments` list, if non-empty and encoded (see [`Payload::serializer`]).
    pub fn raw_args(&self) -> Option<&Bytes> {
        match &self.inner {
            Inner::Raw { parts, .. } => parts.args.as_ref(),
            _ => None,
        }
    }

    /// The encoded `ArgumentsKw` dict, if non-empty and encoded (see [`Payload::serializer`]).
    pub fn raw_kwargs(&self) -> Option<&Bytes> {
        match &self.inner {
            Inner::Raw { parts, .. } => parts.kwargs.as_ref(),
            _ => None,
        }
    }

    /// The bytes of a transparent payload.
    pub fn transparent_bytes(&self) -> Option<&Bytes> {
        match &self.inner {
            Inner::Transparent { bytes, .. } => Some(bytes),
            _ => None,
        }
    }

    /// Whether there are positional arguments.
    pub fn has_args(&self) -> bool {
        match &self.inner {
            Inner::Raw { parts, .. } => parts.args.is_some(),
            Inner::Local(local) => !local.arg_list().is_empty(),
            _ => false,
        }
    }

    /// Whether there are keyword arguments.
    pub fn has_kwargs(&self) -> bool {
        match &self.inner {
            Inner::Raw { parts, .. } => parts.kwargs.is_some(),
            Inner::Local(local) => local.kwarg_dict().is_some_and(|d| !d.is_empty()),
            _ => false,
        }
    }

    /// The encoded parts in `kind`: borrowed when already encoded in it
    /// (received from a peer of that serializer, or local values encoded for an
    /// earlier message), transcoded from another serializer otherwise.
    pub(crate) fn parts_in(
        &self,
        kind: SerializerKind,
    ) -> Result<Cow<'_, EncodedParts>, PayloadError> {
        match &self.inner {
            Inner::Raw { serializer, parts } if *serializer == kind => Ok(Cow::Borrowed(parts)),
            Inner::Raw {
                serializer,
                parts: p,
            } => {
                let transcode = |part, bytes: &Option<Bytes>| {
                    bytes
                        .as_ref()
                        .map(|b| parts::transcode(*serializer, kind, part, b))
                        .transpose()
                };
                // Each part stays present, even when it turns out empty (a
                // non-canonical empty list or dict, a tagged one): the
                // envelope counted its elements from the parts as received.
                Ok(Cow::Owned(EncodedParts {
                    args: transcode("args", &p.args)?,
                    kwargs: transcode("kwargs", &p.kwargs)?,
                }))
            }
            Inner::Local(local) => local.encoded(kind).map(Cow::Borrowed),
            _ => Ok(Cow::Owned(EncodedParts::default())),
        }
    }

    /// How many bytes the encoded parts take, when known.
    pub(crate) fn encoded_len_hint(&self) -> usize {
        match &self.inner {
            Inner::Raw { parts, .. } => parts.len(),
            Inner::Transparent { bytes, .. } => bytes.len(),
            _ => 0,
        }
    }

    /// The encoded parts to read bytes from, with their serializer: local
    /// values are read from their CBOR encoding.
    fn byte_view(&self) -> Result<Option<(SerializerKind, &EncodedParts)>, PayloadError> {
        match &self.inner {
            Inner::Raw { serializer, parts } => Ok(Some((*serializer, parts))),
            Inner::Local(local) => Ok(Some((
                SerializerKind::Cbor,
                local.encoded(SerializerKind::Cbor)?,
            ))),
            Inner::Transparent { .. } => Err(PayloadError::Transparent),
            Inner::Empty => Ok(None),
        }
    }

    /// Decodes the positional arguments into `T` (a tuple, a `Vec`, a struct
    /// deserialized from a sequence). Missing arguments decode as an empty list.
    ///
    /// Every typed read of a payload follows the same rules whatever the
    /// serializer: an integer fills a float (rounded to the nearest `f64`
    /// beyond ±2^53); a whole float in range fills an integer (`2.0` → `2`,
    /// `2.5` is an error); an integer out of the target's range is an error;
    /// binary data (JSON's `"\0"` + base64 strings included) fills `Vec<u8>`,
    /// `serde_bytes::ByteBuf` and `bytes::Bytes`, and is refused by strings;
    /// a dict key that is not a string is an error where a struct or string
    /// keys are expected; `null` fills only an `Option` or `()`.
    ///
    /// ```
    /// use wamp::{Payload, SerializerKind};
    /// let p = Payload::encode_args(SerializerKind::Cbor, &(2, 3.0)).unwrap();
    /// let (a, b): (f64, u8) = p.args().unwrap();
    /// assert_eq!((a, b), (2.0, 3));
    /// let p = Payload::encode_args(SerializerKind::Json, &[2.5]).unwrap();
    /// assert!(p.args::<(i64,)>().is_err());
    /// ```
    pub fn args<T: DeserializeOwned>(&self) -> Result<T, PayloadError> {
        match &self.inner {
            Inner::Transparent { .. } => Err(PayloadError::Transparent),
            Inner::Raw {
                serializer,
                parts: EncodedParts {
                    args: Some(args), ..
                },
            } => parts::decode_part(*serializer, "args", args),
            Inner::Local(local) if !local.arg_list().is_empty() => {
                T::deserialize(Coerce(local.args())).map_err(local_error("args"))
            }
            _ => parts::decode_part(SerializerKind::Cbor, "args", &[0x80]),
        }
    }

    /// Decodes the keyword arguments into `T` (a struct, a map). Missing keyword
    /// arguments decode as an empty dict.
    pub fn kwargs<T: DeserializeOwned>(&self) -> Result<T, PayloadError> {
        match &self.inner {
            Inner::Transparent { .. } => Err(PayloadError::Transparent),
            Inner::Raw {
                serializer,
                parts:
                    EncodedParts {
                        kwargs: Some(kwargs),
                        ..
                    },
            } => parts::decode_part(*serializer, "kwargs", kwargs),
            Inner::Local(local) if self.has_kwargs() => {
                T::deserialize(Coerce(local.kwargs())).map_err(local_error("kwargs"))
            }
            _ => parts::decode_part(SerializerKind::Cbor, "kwargs", &[0xa0]),
        }
    }

    /// The only positional argument as `T`, read in one pass: `Ok(Err(n))`
    /// when there are `n` arguments rather than one (a failure to decode a
    /// single argument is the decoder's error).
    ///
    /// ```
    /// let p = wamp::Payload::from_args(&[42]).unwrap();
    /// assert_eq!(p.single_arg::<i64>().unwrap(), Ok(42));
    /// let p = wamp::Payload::from_args(&(1, 2)).unwrap();
    /// assert_eq!(p.single_arg::<i64>().unwrap(), Err(2));
    /// ```
    pub fn single_arg<T: DeserializeOwned>(&self) -> Result<Result<T, usize>, PayloadError> {
        match self.args::<OnlyArg<T>>() {
            Ok(OnlyArg(found)) => Ok(found),
            Err(e) => {
                // A failure: tell a wrong count from a wrong type, as a count first would.
                let n = self.args::<Vec<serde::de::IgnoredAny>>()?.len();
                if n == 1 { Err(e) } else { Ok(Err(n)) }
            }
        }
    }

    /// The elements of the positional arguments, each as the bytes of its
    /// encoded value inside the frame (no copy, no value tree); empty when absent.
    /// Decode one with [`Payload::decode_element`].
    pub fn arg_elements(&self) -> Result<Vec<&[u8]>, PayloadError> {
        match self.byte_view()? {
            Some((
                serializer,
                EncodedParts {
                    args: Some(args), ..
                },
            )) => parts::split_list(serializer, args)
                .map(|ranges| ranges.into_iter().map(|r| &args[r]).collect())
                .map_err(|reason| PayloadError::Decode {
                    part: "args",
                    serializer,
                    reason,
                }),
            _ => Ok(Vec::new()),
        }
    }

    /// The entries of the keyword arguments in wire order: each key and the
    /// bytes of its encoded value inside the frame; empty when absent.
    pub fn kwarg_entries(&self) -> Result<Vec<(String, &[u8])>, PayloadError> {
        match self.byte_view()? {
            Some((
                serializer,
                EncodedParts {
                    kwargs: Some(kwargs),
                    ..
                },
            )) => parts::split_dict(serializer, kwargs)
                .map(|entries| entries.into_iter().map(|(k, r)| (k, &kwargs[r])).collect())
                .map_err(|reason| PayloadError::Decode {
                    part: "kwargs",
                    serializer,
                    reason,
                }),
            _ => Ok(Vec::new()),
        }
    }

    /// Decodes one element from [`Payload::arg_elements`] or
    /// [`Payload::kwarg_entries`] straight into `T`; a failure carries the serde
    /// path of the bad value.
    pub fn decode_element<T: DeserializeOwned>(&self, element: &[u8]) -> Result<T, PathError> {
        match &self.inner {
            Inner::Raw { serializer, .. } => parts::decode_path(*serializer, element),
            Inner::Local(_) => parts::decode_path(SerializerKind::Cbor, element),
            _ => Err(PathError::whole("the payload has no arguments")),
        }
    }

    /// Decodes the whole keyword arguments into `T` (a missing dict reads as
    /// empty); a failure carries the serde path of the bad value.
    pub fn decode_kwargs<T: DeserializeOwned>(&self) -> Result<T, PathError> {
        match &self.inner {
            Inner::Transparent { .. } => {
                Err(PathError::whole(PayloadError::Transparent.to_string()))
            }
            Inner::Raw {
                serializer,
                parts:
                    EncodedParts {
                        kwargs: Some(kwargs),
                        ..
                    },
            } => parts::decode_path(*serializer, kwargs),
            Inner::Local(local) if self.has_kwargs() => {
                serde_path_to_error::deserialize(Coerce(local.kwargs()))
                    .map_err(PathError::from_track)
            }
            _ => parts::decode_path(SerializerKind::Cbor, &[0xa0]),
        }
    }

    /// The positional arguments as dynamic values (empty when absent).
    pub fn args_values(&self) -> Result<Vec<Value>, PayloadError> {
        match &self.inner {
            Inner::Local(local) => Ok(local.arg_list().to_vec()),
            _ => self.args(),
        }
    }

    /// The keyword arguments as dynamic values (empty when absent).
    pub fn kwargs_values(&self) -> Result<Dict, PayloadError> {
        match &self.inner {
            Inner::Local(local) => Ok(local.kwarg_dict().cloned().unwrap_or_default()),
            _ => self.kwargs(),
        }
    }

    /// The same payload encoded for another serializer. Free (a reference-counted
    /// copy) when it already is in that serializer.
    pub fn to_serializer(&self, target: SerializerKind) -> Result<Payload, PayloadError> {
        match &self.inner {
            Inner::Raw { serializer, .. } if *serializer == target => Ok(self.clone()),
            Inner::Raw { .. } | Inner::Local(_) => {
                let parts = self.parts_in(target)?.into_owned();
                Ok(Payload::from_raw(target, parts.args, parts.kwargs))
            }
            _ => Ok(self.clone()),
        }
    }
}

impl PartialEq for Payload {
    /// Payloads are equal when they hold the same values, whatever their serializers.
    fn eq(&self, other: &Self) -> bool {
        match (&self.inner, &other.inner) {
            (
                Inner::Transparent { bytes: a, text: x },
                Inner::Transparent { bytes: b, text: y },
            ) => a == b && x == y,
            (Inner::Transparent { .. }, _) | (_, Inner::Transparent { .. }) => false,
            _ => {
                self.args_values().ok() == other.args_values().ok()
                    && self.kwargs_values().ok() == other.kwargs_values().ok()
            }
        }
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.inner {
            Inner::Empty => return f.write_str("Payload(empty)"),
            Inner::Transparent { bytes, .. } => {
                return write!(f, "Payload(transparent, {} bytes)", bytes.len());
            }
            Inner::Raw { serializer, .. } => serializer.name(),
            Inner::Local(_) => "local",
        };
        let args = self.args_values().map(Value::List);
        let kwargs = self.kwargs_values().map(Value::Dict);
        match (args, kwargs) {
            (Ok(a), Ok(k)) => write!(f, "Payload({source}, args={a}, kwargs={k})"),
            _ => write!(f, "Payload({source}, undecodable)"),
        }
    }
}
