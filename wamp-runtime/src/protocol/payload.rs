//! Application payload: the `Arguments` list and `ArgumentsKw` dict of a message.
//!
//! A payload decoded from a frame keeps the serializer's raw bytes (slices of the
//! frame, no copy, no value tree). A peer decodes them straight into its own types
//! with [`Payload::args`] and [`Payload::kwargs`]; a router forwards them as they
//! are to a peer of the same serializer, and transcodes them only for a peer of
//! another serializer.

use std::fmt;

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::serializer::parts;
use crate::serializer::{Dict, PathError, PayloadError, SerializerKind, Value};

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
    Raw {
        serializer: SerializerKind,
        /// Encoded non-empty list, if any.
        args: Option<Bytes>,
        /// Encoded non-empty dict, if any.
        kwargs: Option<Bytes>,
    },
    /// Opaque bytes; `text` when they arrived as a string element.
    Transparent { bytes: Bytes, text: bool },
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
    /// arguments stay as they are encoded. A transparent payload is replaced.
    pub fn with_args<A: Serialize + ?Sized>(&self, args: &A) -> Result<Self, PayloadError> {
        let serializer = self.serializer().unwrap_or(SerializerKind::Cbor);
        let args = parts::encode_part(serializer, "args", args)?;
        Ok(Self::from_raw(
            serializer,
            Some(args),
            self.raw_kwargs().cloned(),
        ))
    }

    /// The same payload with its keyword arguments replaced; the positional
    /// arguments stay as they are encoded. A transparent payload is replaced.
    pub fn with_kwargs<K: Serialize + ?Sized>(&self, kwargs: &K) -> Result<Self, PayloadError> {
        let serializer = self.serializer().unwrap_or(SerializerKind::Cbor);
        let kwargs = parts::encode_part(serializer, "kwargs", kwargs)?;
        Ok(Self::from_raw(
            serializer,
            self.raw_args().cloned(),
            Some(kwargs),
        ))
    }

    /// Positional arguments, when the serializer is not known yet (they are kept
    /// as CBOR, which holds every value, and transcoded when sent).
    pub fn from_args<A: Serialize + ?Sized>(args: &A) -> Result<Self, PayloadError> {
        Self::encode_args(SerializerKind::Cbor, args)
    }

    /// Keyword arguments, when the serializer is not known yet.
    pub fn from_kwargs<K: Serialize + ?Sized>(kwargs: &K) -> Result<Self, PayloadError> {
        Self::encode_kwargs(SerializerKind::Cbor, kwargs)
    }

    /// A payload from dynamic values.
    pub fn from_values(args: Vec<Value>, kwargs: Dict) -> Self {
        // CBOR encodes every `Value`; encoding into a Vec cannot fail.
        Self::encode(SerializerKind::Cbor, &args, &kwargs).unwrap_or_default()
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
        let args = args.filter(|a| !parts::is_empty_list(serializer, a));
        let kwargs = kwargs.filter(|k| !parts::is_empty_dict(serializer, k));
        if args.is_none() && kwargs.is_none() {
            return Self::empty();
        }
        Payload {
            inner: Inner::Raw {
                serializer,
                args,
                kwargs,
            },
        }
    }

    /// Whether there are neither arguments nor a transparent payload.
    pub fn is_empty(&self) -> bool {
        matches!(self.inner, Inner::Empty)
    }

    /// The serializer the arguments are encoded with, if there are any.
    pub fn serializer(&self) -> Option<SerializerKind> {
        match &self.inner {
            Inner::Raw { serializer, .. } => Some(*serializer),
            _ => None,
        }
    }

    /// The encoded `Arguments` list, if non-empty.
    pub fn raw_args(&self) -> Option<&Bytes> {
        match &self.inner {
            Inner::Raw { args, .. } => args.as_ref(),
            _ => None,
        }
    }

    /// The encoded `ArgumentsKw` dict, if non-empty.
    pub fn raw_kwargs(&self) -> Option<&Bytes> {
        match &self.inner {
            Inner::Raw { kwargs, .. } => kwargs.as_ref(),
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
        self.raw_args().is_some()
    }

    /// Whether there are keyword arguments.
    pub fn has_kwargs(&self) -> bool {
        self.raw_kwargs().is_some()
    }

    /// Decodes the positional arguments into `T` (a tuple, a `Vec`, a struct
    /// deserialized from a sequence). Missing arguments decode as an empty list.
    pub fn args<T: DeserializeOwned>(&self) -> Result<T, PayloadError> {
        match &self.inner {
            Inner::Transparent { .. } => Err(PayloadError::Transparent),
            Inner::Raw {
                serializer,
                args: Some(args),
                ..
            } => parts::decode_part(*serializer, "args", args),
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
                kwargs: Some(kwargs),
                ..
            } => parts::decode_part(*serializer, "kwargs", kwargs),
            _ => parts::decode_part(SerializerKind::Cbor, "kwargs", &[0xa0]),
        }
    }

    /// The elements of the positional arguments, each as the bytes of its
    /// encoded value inside the frame (no copy, no value tree); empty when absent.
    /// Decode one with [`Payload::decode_element`].
    pub fn arg_elements(&self) -> Result<Vec<&[u8]>, PayloadError> {
        match &self.inner {
            Inner::Transparent { .. } => Err(PayloadError::Transparent),
            Inner::Raw {
                serializer,
                args: Some(args),
                ..
            } => parts::split_list(*serializer, args)
                .map(|ranges| ranges.into_iter().map(|r| &args[r]).collect())
                .map_err(|reason| PayloadError::Decode {
                    part: "args",
                    serializer: *serializer,
                    reason,
                }),
            _ => Ok(Vec::new()),
        }
    }

    /// The entries of the keyword arguments in wire order: each key and the
    /// bytes of its encoded value inside the frame; empty when absent.
    pub fn kwarg_entries(&self) -> Result<Vec<(String, &[u8])>, PayloadError> {
        match &self.inner {
            Inner::Transparent { .. } => Err(PayloadError::Transparent),
            Inner::Raw {
                serializer,
                kwargs: Some(kwargs),
                ..
            } => parts::split_dict(*serializer, kwargs)
                .map(|entries| entries.into_iter().map(|(k, r)| (k, &kwargs[r])).collect())
                .map_err(|reason| PayloadError::Decode {
                    part: "kwargs",
                    serializer: *serializer,
                    reason,
                }),
            _ => Ok(Vec::new()),
        }
    }

    /// Decodes one element from [`Payload::arg_elements`] or
    /// [`Payload::kwarg_entries`] straight into `T`; a failure carries the serde
    /// path of the bad value.
    pub fn decode_element<T: DeserializeOwned>(&self, element: &[u8]) -> Result<T, PathError> {
        match self.serializer() {
            Some(serializer) => parts::decode_path(serializer, element),
            None => Err(PathError::whole("the payload has no arguments")),
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
                kwargs: Some(kwargs),
                ..
            } => parts::decode_path(*serializer, kwargs),
            _ => parts::decode_path(SerializerKind::Cbor, &[0xa0]),
        }
    }

    /// The positional arguments as dynamic values (empty when absent).
    pub fn args_values(&self) -> Result<Vec<Value>, PayloadError> {
        self.args()
    }

    /// The keyword arguments as dynamic values (empty when absent).
    pub fn kwargs_values(&self) -> Result<Dict, PayloadError> {
        self.kwargs()
    }

    /// The same payload encoded for another serializer. Free (a reference-counted
    /// copy) when it already is in that serializer.
    pub fn to_serializer(&self, target: SerializerKind) -> Result<Payload, PayloadError> {
        match &self.inner {
            Inner::Raw {
                serializer,
                args,
                kwargs,
            } if *serializer != target => {
                let args = args
                    .as_ref()
                    .map(|a| parts::transcode(*serializer, target, "args", a))
                    .transpose()?;
                let kwargs = kwargs
                    .as_ref()
                    .map(|k| parts::transcode(*serializer, target, "kwargs", k))
                    .transpose()?;
                Ok(Payload::from_raw(target, args, kwargs))
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
        match &self.inner {
            Inner::Empty => f.write_str("Payload(empty)"),
            Inner::Transparent { bytes, .. } => {
                write!(f, "Payload(transparent, {} bytes)", bytes.len())
            }
            Inner::Raw { serializer, .. } => {
                let args = self.args_values().map(Value::List);
                let kwargs = self.kwargs_values().map(Value::Dict);
                match (args, kwargs) {
                    (Ok(a), Ok(k)) => write!(f, "Payload({serializer}, args={a}, kwargs={k})"),
                    _ => write!(f, "Payload({serializer}, undecodable)"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_parts_are_dropped() {
        for kind in SerializerKind::ALL {
            let p = Payload::encode(kind, &Vec::<i32>::new(), &Dict::new()).unwrap();
            assert!(p.is_empty(), "{kind}");
            let p = Payload::encode(
                kind,
                &Vec::<i32>::new(),
                &[("a", 1)]
                    .into_iter()
                    .collect::<std::collections::BTreeMap<_, _>>(),
            )
            .unwrap();
            assert!(!p.has_args() && p.has_kwargs(), "{kind}");
        }
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Item {
        name: String,
        qty: u32,
    }

    #[test]
    fn elements_and_entries_decode_with_paths() {
        let args = (1, "two", [3, 4]);
        let kwargs: std::collections::BTreeMap<&str, Value> = [
            (
                "item",
                Value::Dict(
                    [
                        ("name".to_string(), Value::from("pen")),
                        ("qty".to_string(), Value::from("x")),
                    ]
                    .into_iter()
                    .collect(),
                ),
            ),
            ("n", Value::from(5u64)),
        ]
        .into_iter()
        .collect();
        for kind in SerializerKind::ALL {
            let p = Payload::encode(kind, &args, &kwargs).unwrap();
            let elems = p.arg_elements().unwrap();
            assert_eq!(elems.len(), 3, "{kind}");
            assert_eq!(p.decode_element::<i64>(elems[0]).unwrap(), 1);
            assert_eq!(p.decode_element::<String>(elems[1]).unwrap(), "two");
            assert_eq!(p.decode_element::<Vec<u8>>(elems[2]).unwrap(), vec![3, 4]);
            let e = p.decode_element::<Vec<String>>(elems[2]).unwrap_err();
            assert_eq!(e.path, "[0]", "{kind}");
            let entries = p.kwarg_entries().unwrap();
            let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
            assert_eq!(keys, ["item", "n"], "{kind}");
            let e = p.decode_element::<Item>(entries[0].1).unwrap_err();
            assert_eq!(e.path, "qty", "{kind}");
            assert!(!e.message.is_empty(), "{kind}");
            assert_eq!(p.decode_element::<u8>(entries[1].1).unwrap(), 5);
        }
        assert!(Payload::empty().arg_elements().unwrap().is_empty());
        assert!(Payload::empty().kwarg_entries().unwrap().is_empty());
    }

    #[test]
    fn replacing_one_part_keeps_the_other_encoded() {
        for kind in SerializerKind::ALL {
            let kwargs: std::collections::BTreeMap<_, _> = [("k", "v")].into_iter().collect();
            let p = Payload::encode_kwargs(kind, &kwargs).unwrap();
            let q = p.with_args(&(1, "two")).unwrap();
            assert_eq!(q.serializer(), Some(kind));
            assert_eq!(q.raw_kwargs(), p.raw_kwargs(), "{kind}: kwargs bytes kept");
            assert_eq!(q.args::<(i32, String)>().unwrap(), (1, "two".to_owned()));
            let r = q
                .with_kwargs(&std::collections::BTreeMap::<String, i32>::new())
                .unwrap();
            assert!(
                r.has_args() && !r.has_kwargs(),
                "{kind}: empty kwargs dropped"
            );
            assert_eq!(r.raw_args(), q.raw_args());
        }
        let fresh = Payload::empty()
            .with_kwargs(
                &[("a", 1)]
                    .into_iter()
                    .collect::<std::collections::BTreeMap<_, _>>(),
            )
            .unwrap();
        assert_eq!(fresh.serializer(), Some(SerializerKind::Cbor));
    }

    #[test]
    fn args_must_be_a_list() {
        for kind in SerializerKind::ALL {
            assert!(Payload::encode_args(kind, &5).is_err(), "{kind}");
            assert!(Payload::encode_kwargs(kind, &(1, 2)).is_err(), "{kind}");
        }
    }

    #[test]
    fn transcoding_keeps_binary() {
        let args = vec![
            Value::Bytes(vec![0, 1, 2, 255]),
            Value::String("\u{0}x".into()),
        ];
        let p = Payload::from_values(args.clone(), Dict::new());
        for kind in SerializerKind::ALL {
            let q = p.to_serializer(kind).unwrap();
            assert_eq!(q.serializer(), Some(kind));
            assert_eq!(q.args_values().unwrap()[0], args[0], "{kind}");
        }
    }
}
