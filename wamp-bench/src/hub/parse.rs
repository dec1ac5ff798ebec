//! Splitting a frame into the raw bytes of its top-level elements, and reading
//! the few scalars a hub needs (message type, IDs, URIs) from them. Nothing is
//! copied: options, arguments and keyword arguments stay borrowed bytes.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};
use serde_json::value::RawValue;
use wamp::SerializerKind;

/// The most elements a message the hub routes can have (PUBLISH and CALL have 6).
const MAX_FIELDS: usize = 7;

/// The top-level elements of one message, each as its encoded bytes.
#[derive(Debug, Default)]
pub(crate) struct Fields<'a> {
    items: [&'a [u8]; MAX_FIELDS],
    len: usize,
}

impl<'a> Fields<'a> {
    fn push(&mut self, item: &'a [u8]) -> bool {
        if self.len == MAX_FIELDS {
            return false;
        }
        self.items[self.len] = item;
        self.len += 1;
        true
    }

    /// The element at `i`, if present.
    pub(crate) fn get(&self, i: usize) -> Option<&'a [u8]> {
        self.items[..self.len].get(i).copied()
    }

    /// The elements from `i` on (the optional arguments and keyword arguments).
    pub(crate) fn rest(&self, i: usize) -> &[&'a [u8]] {
        self.items.get(i..self.len).unwrap_or(&[])
    }
}

/// Splits `frame` into its top-level elements, or `None` if it is not an array
/// the hub can handle.
pub(crate) fn split(kind: SerializerKind, frame: &[u8]) -> Option<Fields<'_>> {
    match kind {
        SerializerKind::Json => serde_json::from_slice::<JsonFields<'_>>(frame)
            .ok()
            .map(|f| f.0),
        SerializerKind::MsgPack => split_msgpack(frame),
        _ => None,
    }
}

/// Reads an unsigned integer element.
pub(crate) fn uint(kind: SerializerKind, item: &[u8]) -> Option<u64> {
    match kind {
        SerializerKind::Json => json_uint(item),
        _ => msgpack_uint(item),
    }
}

/// Reads a string element (a URI).
pub(crate) fn string(kind: SerializerKind, item: &[u8]) -> Option<Cow<'_, str>> {
    match kind {
        SerializerKind::Json => match item {
            [b'"', inner @ .., b'"'] if !inner.contains(&b'\\') => {
                std::str::from_utf8(inner).ok().map(Cow::Borrowed)
            }
            _ => serde_json::from_slice::<String>(item).ok().map(Cow::Owned),
        },
        _ => {
            let (&marker, rest) = item.split_first()?;
            let (len, body) = match marker {
                0xa0..=0xbf => (usize::from(marker & 0x1f), rest),
                0xd9 => (usize::from(*rest.first()?), rest.get(1..)?),
                0xda => (be(rest.get(..2)?) as usize, rest.get(2..)?),
                0xdb => (be(rest.get(..4)?) as usize, rest.get(4..)?),
                _ => return None,
            };
            std::str::from_utf8(body.get(..len)?)
                .ok()
                .map(Cow::Borrowed)
        }
    }
}

/// A JSON array's elements, borrowed from the frame.
struct JsonFields<'a>(Fields<'a>);

impl<'de> Deserialize<'de> for JsonFields<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Elements;
        impl<'de> Visitor<'de> for Elements {
            type Value = JsonFields<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a WAMP message array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut fields = Fields::default();
                while let Some(raw) = seq.next_element::<&'de RawValue>()? {
                    if !fields.push(raw.get().as_bytes()) {
                        return Err(serde::de::Error::custom("too many elements"));
                    }
                }
                Ok(JsonFields(fields))
            }
        }
        d.deserialize_seq(Elements)
    }
}

fn json_uint(item: &[u8]) -> Option<u64> {
    if item.is_empty() || item.len() > 19 || !item.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(item.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
}

/// A big-endian unsigned integer of 1 to 8 bytes.
fn be(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b))
}

fn msgpack_uint(item: &[u8]) -> Option<u64> {
    let (&marker, rest) = item.split_first()?;
    let width = match marker {
        0x00..=0x7f => return Some(u64::from(marker)),
        0xcc | 0xd0 => 1,
        0xcd | 0xd1 => 2,
        0xce | 0xd2 => 4,
        0xcf | 0xd3 => 8,
        _ => return None,
    };
    let bytes = rest.get(..width)?;
    // A signed integer is accepted only when it is not negative.
    if (0xd0..=0xd3).contains(&marker) && bytes[0] & 0x80 != 0 {
        return None;
    }
    Some(be(bytes))
}

fn split_msgpack(frame: &[u8]) -> Option<Fields<'_>> {
    let (&marker, rest) = frame.split_first()?;
    let (count, mut pos) = match marker {
        0x90..=0x9f => (usize::from(marker & 0x0f), 1),
        0xdc => (be(rest.get(..2)?) as usize, 3),
        0xdd => (be(rest.get(..4)?) as usize, 5),
        _ => return None,
    };
    let mut fields = Fields::default();
    for _ in 0..count {
        let end = skip(frame, pos, 0)?;
        if !fields.push(&frame[pos..end]) {
            return None;
        }
        pos = end;
    }
    Some(fields)
}

/// The end of the MessagePack value that starts at `pos`.
fn skip(buf: &[u8], pos: usize, depth: usize) -> Option<usize> {
    if depth > 64 {
        return None;
    }
    let marker = *buf.get(pos)?;
    let at = pos + 1;
    let len = |n: usize| buf.get(at..at + n).map(be).map(|v| v as usize);
    let end = match marker {
        0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => at,
        0x80..=0x8f => return skip_items(buf, at, 2 * usize::from(marker & 0x0f), depth),
        0x90..=0x9f => return skip_items(buf, at, usize::from(marker & 0x0f), depth),
        0xa0..=0xbf => at + usize::from(marker & 0x1f),
        0xcc | 0xd0 => at + 1,
        0xcd | 0xd1 | 0xd4 => at + 2,
        0xce | 0xd2 | 0xca => at + 4,
        0xcf | 0xd3 | 0xcb => at + 8,
        0xd5 => at + 3,
        0xd6 => at + 5,
        0xd7 => at + 9,
        0xd8 => at + 17,
        0xc4 | 0xd9 => at + 1 + len(1)?,
        0xc5 | 0xda => at + 2 + len(2)?,
        0xc6 | 0xdb => at + 4 + len(4)?,
        0xc7 => at + 2 + len(1)?,
        0xc8 => at + 3 + len(2)?,
        0xc9 => at + 5 + len(4)?,
        0xdc => return skip_items(buf, at + 2, len(2)?, depth),
        0xdd => return skip_items(buf, at + 4, len(4)?, depth),
        0xde => return skip_items(buf, at + 2, 2 * len(2)?, depth),
        0xdf => return skip_items(buf, at + 4, 2 * len(4)?, depth),
        0xc1 => return None,
    };
    (end <= buf.len()).then_some(end)
}

fn skip_items(buf: &[u8], mut pos: usize, count: usize, depth: usize) -> Option<usize> {
    for _ in 0..count {
        pos = skip(buf, pos, depth + 1)?;
    }
    Some(pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_call() {
        let f = split(SerializerKind::Json, br#"[48, 7, {"a":1}, "p.q", [1,2]]"#).unwrap();
        assert_eq!(uint(SerializerKind::Json, f.get(1).unwrap()), Some(7));
        assert_eq!(
            string(SerializerKind::Json, f.get(3).unwrap()).unwrap(),
            "p.q"
        );
        assert_eq!(f.rest(4), &[b"[1,2]".as_slice()]);
    }

    #[test]
    fn msgpack_call() {
        // [48, 300, {}, "p", [1, 2]]
        let frame = [0x95, 48, 0xcd, 1, 44, 0x80, 0xa1, b'p', 0x92, 1, 2];
        let f = split(SerializerKind::MsgPack, &frame).unwrap();
        assert_eq!(uint(SerializerKind::MsgPack, f.get(1).unwrap()), Some(300));
        assert_eq!(
            string(SerializerKind::MsgPack, f.get(3).unwrap()).unwrap(),
            "p"
        );
        assert_eq!(f.rest(4), &[[0x92, 1, 2].as_slice()]);
        assert!(split(SerializerKind::MsgPack, &frame[..10]).is_none());
    }
}
