//! JSON: text frames, binary values as `"\0"` + base64 strings.

use std::borrow::Cow;
use std::ops::Range;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::coerce::Coerce;
use super::error::{PathError, without_position};
use super::format::Format;
use super::json_binary::{BinaryDeserializer, BinarySerializer, binary_from_text, binary_string};
use super::kind::SerializerKind;
use super::sniff::Sniff;

/// The JSON wire format.
pub(crate) struct Json;

fn as_str(elem: &[u8]) -> Option<&str> {
    std::str::from_utf8(elem).ok()
}

impl Format for Json {
    const KIND: SerializerKind = SerializerKind::Json;
    const EMPTY_DICT: &'static [u8] = b"{}";
    const EMPTY_LIST: &'static [u8] = b"[]";

    fn split(frame: &[u8]) -> Result<Vec<Range<usize>>, Option<String>> {
        let first = frame.iter().copied().find(|b| !b.is_ascii_whitespace());
        if first != Some(b'[') {
            // Still report malformed JSON as such.
            return match serde_json::from_slice::<serde::de::IgnoredAny>(frame) {
                Ok(_) => Err(None),
                Err(e) => Err(Some(e.to_string())),
            };
        }
        let items: Vec<&RawValue> =
            serde_json::from_slice(frame).map_err(|e| Some(e.to_string()))?;
        let base = frame.as_ptr() as usize;
        Ok(items
            .into_iter()
            .map(|raw| {
                let start = raw.get().as_ptr() as usize - base;
                start..start + raw.get().len()
            })
            .collect())
    }

    fn split_dict(dict: &[u8]) -> Result<Vec<(String, Range<usize>)>, String> {
        struct Entries<'a>(Vec<(String, &'a RawValue)>);
        impl<'de> serde::Deserialize<'de> for Entries<'de> {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = Entries<'de>;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a dict")
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> Result<Self::Value, A::Error> {
                        let mut out = Vec::with_capacity(map.size_hint().unwrap_or(4).min(64));
                        while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                            out.push(entry);
                        }
                        Ok(Entries(out))
                    }
                }
                d.deserialize_map(V)
            }
        }
        let entries: Entries<'_> = serde_json::from_slice(dict).map_err(|e| e.to_string())?;
        let base = dict.as_ptr() as usize;
        Ok(entries
            .0
            .into_iter()
            .map(|(key, raw)| {
                let start = raw.get().as_ptr() as usize - base;
                (key, start..start + raw.get().len())
            })
            .collect())
    }

    fn decode_path<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, PathError> {
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let value = serde_path_to_error::deserialize(Coerce(&mut deserializer))
            .map_err(PathError::from_track)?;
        deserializer
            .end()
            .map_err(|e| PathError::whole(e.to_string()))?;
        Ok(value)
    }

    fn sniff(elem: &[u8]) -> Sniff {
        match elem.iter().copied().find(|b| !b.is_ascii_whitespace()) {
            Some(b'[') => Sniff::List,
            Some(b'{') => Sniff::Dict,
            Some(b'"') => Sniff::Str,
            Some(b't' | b'f') => Sniff::Bool,
            Some(b'n') => Sniff::Null,
            Some(b'-' | b'0'..=b'9') => {
                if elem.iter().any(|b| matches!(b, b'.' | b'e' | b'E')) {
                    Sniff::Float
                } else {
                    Sniff::Int
                }
            }
            _ => Sniff::Other,
        }
    }

    fn read_u64(elem: &[u8]) -> Option<u64> {
        serde_json::from_str(as_str(elem)?).ok()
    }

    fn read_str(elem: &[u8]) -> Option<Cow<'_, str>> {
        let text = as_str(elem)?;
        // Borrowed when the string has no escapes (URIs, keys): no allocation.
        match serde_json::from_str::<&str>(text) {
            Ok(s) => Some(Cow::Borrowed(s)),
            Err(_) => serde_json::from_str::<String>(text).ok().map(Cow::Owned),
        }
    }

    fn read_bin(elem: &[u8]) -> Option<Vec<u8>> {
        binary_from_text(Self::read_str(elem)?.as_bytes())
    }

    fn begin_list(out: &mut Vec<u8>, _len: usize) {
        out.push(b'[');
    }

    fn separator(out: &mut Vec<u8>) {
        out.push(b',');
    }

    fn end_list(out: &mut Vec<u8>) {
        out.push(b']');
    }

    fn write_u64(out: &mut Vec<u8>, n: u64) {
        out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    }

    fn write_str(out: &mut Vec<u8>, s: &str) {
        // Writing a str into a Vec cannot fail.
        let _ = serde_json::to_writer(out, s);
    }

    fn write_bin(out: &mut Vec<u8>, b: &[u8]) {
        Self::write_str(out, &binary_string(b));
    }

    fn encode_typed<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) -> Result<(), String> {
        // Binary data becomes `"\0"` + base64 on the way, with no value tree.
        let mut serializer = serde_json::Serializer::new(out);
        v.serialize(BinarySerializer(&mut serializer))
            .map_err(|e| e.to_string())
    }

    fn decode_typed<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
        // `"\0"` + base64 strings become binary where bytes or any value is expected.
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let value =
            T::deserialize(BinaryDeserializer(&mut deserializer)).map_err(|e| e.to_string())?;
        deserializer.end().map_err(|e| e.to_string())?;
        Ok(value)
    }

    fn decode_coerced<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
        // `Coerce` reads `"\0"` + base64 strings as binary data itself.
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let value = T::deserialize(Coerce(&mut deserializer))
            .map_err(|e| without_position(e.to_string()))?;
        deserializer.end().map_err(|e| e.to_string())?;
        Ok(value)
    }
}
