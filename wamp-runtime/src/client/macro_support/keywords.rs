//! Keyword arguments found by the parameters' names in one scan of the
//! encoded dict, without owning their keys. Only the plain case is handled
//! here (JSON or MessagePack received, string keys, each a parameter's name,
//! none twice); anything else is left to the split path of [`super::Args`],
//! which gives the error message.

use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::protocol::Payload;
use crate::serializer::SerializerKind;

use super::cursor::{be, msgpack_len};

/// Parameters a handler may take by name for this scan.
pub(super) const MAX_NAMES: usize = 8;

/// The value of each name's entry (by the name's index), if present.
pub(super) type Found<'a> = [Option<&'a [u8]>; MAX_NAMES];

/// Scans the keyword arguments of `payload` for `names`; `None` when this
/// is not the plain case.
pub(super) fn scan<'a>(payload: &'a Payload, names: &[&str]) -> Option<Found<'a>> {
    if names.len() > MAX_NAMES {
        return None;
    }
    let serializer = payload.serializer()?;
    let Some(dict) = payload.raw_kwargs() else {
        return Some([None; MAX_NAMES]);
    };
    let dict: &'a [u8] = dict;
    match serializer {
        SerializerKind::Json => {
            let mut de = serde_json::Deserializer::from_slice(dict);
            let found = de.deserialize_map(Entries { names }).ok()?;
            de.end().ok()?;
            Some(found)
        }
        SerializerKind::MsgPack => scan_msgpack(dict, names),
        SerializerKind::Cbor => None,
    }
}

/// Puts `value` at `name`'s index; fails for an unknown or repeated name.
fn put<'a>(found: &mut Found<'a>, names: &[&str], key: &str, value: &'a [u8]) -> Option<()> {
    let i = names.iter().position(|n| *n == key)?;
    if found[i].is_some() {
        return None;
    }
    found[i] = Some(value);
    Some(())
}

fn scan_msgpack<'a>(dict: &'a [u8], names: &[&str]) -> Option<Found<'a>> {
    let first = *dict.first()?;
    let (mut pos, count) = match first {
        0x80..=0x8f => (1, usize::from(first & 0x0f)),
        0xde => (3, be(dict, 1, 2)?),
        0xdf => (5, be(dict, 1, 4)?),
        _ => return None,
    };
    let mut found = [None; MAX_NAMES];
    for _ in 0..count {
        let m = *dict.get(pos)?;
        let (start, len) = match m {
            0xa0..=0xbf => (pos + 1, usize::from(m & 0x1f)),
            0xd9 => (pos + 2, be(dict, pos + 1, 1)?),
            0xda => (pos + 3, be(dict, pos + 1, 2)?),
            0xdb => (pos + 5, be(dict, pos + 1, 4)?),
            _ => return None,
        };
        let key = std::str::from_utf8(dict.get(start..start.checked_add(len)?)?).ok()?;
        let value_at = start + len;
        let value_len = msgpack_len(dict.get(value_at..)?)?;
        put(
            &mut found,
            names,
            key,
            &dict[value_at..value_at + value_len],
        )?;
        pos = value_at + value_len;
    }
    (pos == dict.len()).then_some(found)
}

/// The JSON dict's entries, by name.
struct Entries<'n> {
    names: &'n [&'n str],
}

impl<'de> Visitor<'de> for Entries<'_> {
    type Value = Found<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a dict")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = [None; MAX_NAMES];
        while let Some(i) = map.next_key_seed(Key { names: self.names })? {
            let value: &'de RawValue = map.next_value()?;
            if found[i].is_some() {
                return Err(A::Error::custom("repeated keyword"));
            }
            found[i] = Some(value.get().as_bytes());
        }
        Ok(found)
    }
}

/// A key: the index of the name it equals, or an error.
struct Key<'n> {
    names: &'n [&'n str],
}

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a parameter's name")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<usize, E> {
        self.names
            .iter()
            .position(|n| *n == key)
            .ok_or_else(|| E::custom("unknown keyword"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Message, Publish, Uri};

    fn received(kind: SerializerKind, kwargs: serde_json::Value) -> Payload {
        let payload = Payload::encode(kind, &[1], &kwargs).unwrap();
        let msg = Message::Publish(Publish::new(1, Uri::new("a.b").unwrap(), payload));
        match kind.decode(kind.encode(&msg).unwrap()).unwrap() {
            Message::Publish(p) => p.payload,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn finds_each_name_and_refuses_the_rest() {
        use serde_json::json;
        for kind in [SerializerKind::Json, SerializerKind::MsgPack] {
            let p = received(kind, json!({"b": [1, {"x": 2}], "a": "text"}));
            let found = scan(&p, &["a", "b", "c"]).expect("plain case");
            let a: String = p.decode_element(found[0].unwrap()).unwrap();
            assert_eq!(a, "text");
            let b: serde_json::Value = p.decode_element(found[1].unwrap()).unwrap();
            assert_eq!(b, json!([1, {"x": 2}]));
            assert!(found[2].is_none());
            // An unknown name is left to the split path.
            assert!(scan(&p, &["a"]).is_none(), "{kind}");
            // No keyword arguments: nothing found.
            let p = received(kind, json!({}));
            assert!(scan(&p, &["a"]).unwrap().iter().all(Option::is_none));
        }
    }
}
