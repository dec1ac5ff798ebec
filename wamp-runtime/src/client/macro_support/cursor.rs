//! Positional arguments read in order straight from the encoded list: each
//! element decoded where it lies, with no split of the list first and no
//! allocation. Anything unusual is left to the split path of [`super::Args`]
//! ([`Next::Fail`]), which gives the error message.

use serde::de::{Deserialize, DeserializeOwned, Deserializer};

use crate::protocol::Payload;
use crate::serializer::{Coerce, SerializerKind, parts};

/// `T` read with the typed decoding rules (`Coerce`), as `Payload::args` reads it.
struct Coerced<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Coerced<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(Coerce(d)).map(Coerced)
    }
}

/// What reading the next element gave.
pub(super) enum Next<T> {
    /// The element, decoded.
    Value(T),
    /// The list has no more elements.
    End,
    /// Not read here (a decoding failure, an unexpected byte).
    Fail,
}

/// A read position in an encoded positional-argument list.
pub(super) enum Cursor<'a> {
    /// JSON: `pos` is at the next element (or past the closing `]` when `ended`).
    Json {
        list: &'a [u8],
        pos: usize,
        index: usize,
        ended: bool,
    },
    /// MessagePack: `rest` starts with the next of `count` elements.
    MsgPack {
        rest: &'a [u8],
        index: usize,
        count: usize,
    },
}

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while bytes.get(pos).is_some_and(|b| b.is_ascii_whitespace()) {
        pos += 1;
    }
    pos
}

/// A big-endian length of `n` bytes at `pos`.
pub(super) fn be(bytes: &[u8], pos: usize, n: usize) -> Option<usize> {
    let b = bytes.get(pos..pos.checked_add(n)?)?;
    Some(b.iter().fold(0usize, |acc, &x| (acc << 8) | usize::from(x)))
}

/// The length of the MessagePack value at the start of `bytes`.
pub(super) fn msgpack_len(bytes: &[u8]) -> Option<usize> {
    let mut pos = 0usize;
    // Values still to skip; each takes at least one byte, so this ends.
    let mut pending = 1usize;
    while pending > 0 {
        pending -= 1;
        let m = *bytes.get(pos)?;
        pos += 1;
        let (skip, more) = match m {
            0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => (0, 0),
            0x80..=0x8f => (0, 2 * usize::from(m & 0x0f)),
            0x90..=0x9f => (0, usize::from(m & 0x0f)),
            0xa0..=0xbf => (usize::from(m & 0x1f), 0),
            0xc4 | 0xd9 => (1 + be(bytes, pos, 1)?, 0),
            0xc5 | 0xda => (2 + be(bytes, pos, 2)?, 0),
            0xc6 | 0xdb => (4 + be(bytes, pos, 4)?, 0),
            0xc7 => (2 + be(bytes, pos, 1)?, 0),
            0xc8 => (3 + be(bytes, pos, 2)?, 0),
            0xc9 => (5 + be(bytes, pos, 4)?, 0),
            0xcc | 0xd0 => (1, 0),
            0xcd | 0xd1 => (2, 0),
            0xca | 0xce | 0xd2 => (4, 0),
            0xcb | 0xcf | 0xd3 => (8, 0),
            0xd4 => (2, 0),
            0xd5 => (3, 0),
            0xd6 => (5, 0),
            0xd7 => (9, 0),
            0xd8 => (17, 0),
            0xdc => (2, be(bytes, pos, 2)?),
            0xdd => (4, be(bytes, pos, 4)?),
            0xde => (2, 2 * be(bytes, pos, 2)?),
            0xdf => (4, 2 * be(bytes, pos, 4)?),
            0xc1 => return None,
        };
        pos = pos.checked_add(skip)?;
        if pos > bytes.len() {
            return None;
        }
        pending = pending.checked_add(more)?;
    }
    Some(pos)
}

impl<'a> Cursor<'a> {
    /// A cursor at the first positional argument of a payload received in
    /// JSON or MessagePack; `None` for anything else (left to the split path).
    pub(super) fn new(payload: &'a Payload) -> Option<Self> {
        let serializer = payload.serializer()?;
        let Some(list) = payload.raw_args() else {
            // No arguments: an empty list.
            return Some(Cursor::MsgPack {
                rest: &[],
                index: 0,
                count: 0,
            });
        };
        let list: &'a [u8] = list;
        match serializer {
            SerializerKind::Json => {
                let start = skip_ws(list, 0);
                if list.get(start) != Some(&b'[') {
                    return None;
                }
                let pos = skip_ws(list, start + 1);
                Some(Cursor::Json {
                    list,
                    pos,
                    index: 0,
                    ended: list.get(pos) == Some(&b']'),
                })
            }
            SerializerKind::MsgPack => {
                let first = *list.first()?;
                let (header, count) = match first {
                    0x90..=0x9f => (1, usize::from(first & 0x0f)),
                    0xdc => (3, be(list, 1, 2)?),
                    0xdd => (5, be(list, 1, 4)?),
                    _ => return None,
                };
                Some(Cursor::MsgPack {
                    rest: list.get(header..)?,
                    index: 0,
                    count,
                })
            }
            SerializerKind::Cbor => None,
        }
    }

    /// The index of the next element.
    pub(super) fn index(&self) -> usize {
        match self {
            Cursor::Json { index, .. } | Cursor::MsgPack { index, .. } => *index,
        }
    }

    /// Whether every element has been read (the list has `index()` elements).
    pub(super) fn ended(&self) -> bool {
        match self {
            Cursor::Json { ended, .. } => *ended,
            Cursor::MsgPack { index, count, .. } => index == count,
        }
    }

    /// Reads the next element as `T`.
    pub(super) fn next<T: DeserializeOwned>(&mut self) -> Next<T> {
        if self.ended() {
            return Next::End;
        }
        match self {
            Cursor::Json {
                list,
                pos,
                index,
                ended,
            } => {
                let mut stream =
                    serde_json::Deserializer::from_slice(&list[*pos..]).into_iter::<Coerced<T>>();
                let Some(Ok(Coerced(value))) = stream.next() else {
                    return Next::Fail;
                };
                let after = skip_ws(list, *pos + stream.byte_offset());
                match list.get(after) {
                    Some(b',') => *pos = skip_ws(list, after + 1),
                    Some(b']') => *ended = true,
                    _ => return Next::Fail,
                }
                *index += 1;
                Next::Value(value)
            }
            Cursor::MsgPack { rest, index, .. } => {
                let Some(len) = msgpack_len(rest) else {
                    return Next::Fail;
                };
                let Ok(value) = parts::decode_part(SerializerKind::MsgPack, "args", &rest[..len])
                else {
                    return Next::Fail;
                };
                *rest = &rest[len..];
                *index += 1;
                Next::Value(value)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(kind: SerializerKind, payload: &Payload) -> Vec<i64> {
        let mut c = Cursor::new(payload).expect("a cursor");
        let mut out = Vec::new();
        loop {
            match c.next::<i64>() {
                Next::Value(v) => out.push(v),
                Next::End => return out,
                Next::Fail => panic!("{kind}: read failed after {out:?}"),
            }
        }
    }

    fn received(kind: SerializerKind, payload: Payload) -> Payload {
        use crate::protocol::{Message, Publish, Uri};
        let msg = Message::Publish(Publish::new(1, Uri::new("a.b").unwrap(), payload));
        match kind.decode(kind.encode(&msg).unwrap()).unwrap() {
            Message::Publish(p) => p.payload,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_elements_in_order_then_ends() {
        for kind in [SerializerKind::Json, SerializerKind::MsgPack] {
            let args: Vec<i64> = (0..20).map(|i| i * 1000 - 7).collect();
            let p = received(kind, Payload::encode_args(kind, &args).unwrap());
            assert_eq!(read_all(kind, &p), args);
            // No arguments, with keyword arguments: the cursor reads none.
            let kw = serde_json::json!({"k": 1});
            let p = received(
                kind,
                Payload::encode(kind, &Vec::<i64>::new(), &kw).unwrap(),
            );
            assert_eq!(read_all(kind, &p), Vec::<i64>::new());
        }
    }

    #[test]
    fn a_wrong_type_fails_and_nested_values_are_skipped() {
        for kind in [SerializerKind::Json, SerializerKind::MsgPack] {
            let value = serde_json::json!([{"a": [1, 2, {"b": "x"}]}, "text", 2.5, null, 7]);
            let p = received(kind, Payload::encode_args(kind, &value).unwrap());
            let mut c = Cursor::new(&p).unwrap();
            assert!(matches!(c.next::<i64>(), Next::Fail), "{kind}");
            let mut c = Cursor::new(&p).unwrap();
            assert!(matches!(c.next::<serde_json::Value>(), Next::Value(_)));
            assert!(matches!(c.next::<String>(), Next::Value(s) if s == "text"));
            assert!(matches!(c.next::<f64>(), Next::Value(f) if f == 2.5));
            assert!(matches!(c.next::<Option<i64>>(), Next::Value(None)));
            assert!(matches!(c.next::<i64>(), Next::Value(7)));
            assert!(c.ended());
            assert!(matches!(c.next::<i64>(), Next::End));
        }
    }

    #[test]
    fn msgpack_lengths_of_every_kind_of_value() {
        for (bytes, len) in [
            (&[0x05][..], 1),
            (&[0xcd, 1, 2, 9], 3),
            (&[0xa2, b'h', b'i', 9], 3),
            (&[0xd9, 2, b'h', b'i'], 4),
            (&[0xc4, 1, 0, 9], 3),
            (&[0x92, 0x01, 0x81, 0xa1, b'k', 0x02, 9], 6),
            (&[0xd4, 1, 2], 3),
            (&[0xcb, 0, 0, 0, 0, 0, 0, 0, 0], 9),
        ] {
            assert_eq!(msgpack_len(bytes), Some(len), "{bytes:?}");
        }
        assert_eq!(msgpack_len(&[0x92, 0x01]), None);
        assert_eq!(msgpack_len(&[0xc1]), None);
        assert_eq!(msgpack_len(&[0xdb, 0xff, 0xff, 0xff, 0xff]), None);
    }
}
