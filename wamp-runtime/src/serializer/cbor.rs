//! CBOR: binary frames.

use std::borrow::Cow;
use std::ops::Range;

use ciborium_ll::{Decoder, Encoder, Header};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::coerce::{Coerce, Coerced};
use super::error::PathError;
use super::format::Format;
use super::kind::SerializerKind;
use super::sniff::Sniff;
use super::value::Value;

thread_local! {
    static LAST_PATH: std::cell::Cell<Option<String>> = const { std::cell::Cell::new(None) };
}

/// Deserializes `T` with the typed decoding rules and serde path tracking, leaving the path of a failure in `LAST_PATH`.
struct Tracked<T>(T);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Tracked<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut track = serde_path_to_error::Track::new();
        match T::deserialize(serde_path_to_error::Deserializer::new(
            Coerce(d),
            &mut track,
        )) {
            Ok(v) => Ok(Tracked(v)),
            Err(e) => {
                let path = track.path().to_string();
                LAST_PATH.with(|p| p.set(Some(path)));
                Err(e)
            }
        }
    }
}

/// The CBOR wire format.
pub(crate) struct Cbor;

/// Deepest nesting accepted, so that hostile input cannot exhaust the stack.
/// The same as JSON's (serde_json reads 128 nested lists or dicts, the
/// message's own list included): a frame of one serializer is never too deep
/// for another once transcoded, else a caller or publisher could send what
/// JSON receivers cannot read.
const MAX_DEPTH: usize = 127;

/// The header at `pos` and the offset right after it.
fn header_at(buf: &[u8], pos: usize) -> Result<(Header, usize), String> {
    let rest = buf.get(pos..).ok_or("truncated CBOR value")?;
    let mut decoder = Decoder::from(rest);
    let header = decoder.pull().map_err(|e| format!("invalid CBOR: {e:?}"))?;
    Ok((header, pos + decoder.offset()))
}

fn advance(buf: &[u8], pos: usize, len: usize) -> Result<usize, String> {
    let end = pos.checked_add(len).ok_or("CBOR length overflow")?;
    if end > buf.len() {
        return Err("truncated CBOR value".into());
    }
    Ok(end)
}

/// Returns the end offset of the item starting at `pos`.
fn skip(buf: &[u8], pos: usize, depth: usize) -> Result<usize, String> {
    if depth > MAX_DEPTH {
        return Err("CBOR nesting too deep".into());
    }
    let (header, mut p) = header_at(buf, pos)?;
    match header {
        Header::Positive(_) | Header::Negative(_) | Header::Float(_) | Header::Simple(_) => Ok(p),
        Header::Bytes(Some(n)) | Header::Text(Some(n)) => advance(buf, p, n),
        Header::Bytes(None) | Header::Text(None) => loop {
            match header_at(buf, p)? {
                (Header::Break, next) => return Ok(next),
                (Header::Bytes(Some(n)) | Header::Text(Some(n)), next) => {
                    p = advance(buf, next, n)?
                }
                _ => return Err("invalid segment in indefinite CBOR string".into()),
            }
        },
        Header::Array(Some(n)) => skip_items(buf, p, n, depth),
        Header::Map(Some(n)) => skip_items(
            buf,
            p,
            n.checked_mul(2).ok_or("CBOR length overflow")?,
            depth,
        ),
        Header::Array(None) | Header::Map(None) => loop {
            if let (Header::Break, next) = header_at(buf, p)? {
                return Ok(next);
            }
            p = skip(buf, p, depth + 1)?;
        },
        Header::Tag(_) => skip(buf, p, depth + 1),
        Header::Break => Err("unexpected CBOR break".into()),
    }
}

fn skip_items(buf: &[u8], mut pos: usize, count: usize, depth: usize) -> Result<usize, String> {
    for _ in 0..count {
        pos = skip(buf, pos, depth + 1)?;
    }
    Ok(pos)
}

impl Format for Cbor {
    const KIND: SerializerKind = SerializerKind::Cbor;
    const EMPTY_DICT: &'static [u8] = &[0xa0];
    const EMPTY_LIST: &'static [u8] = &[0x80];

    fn split(frame: &[u8]) -> Result<Vec<Range<usize>>, Option<String>> {
        let (header, mut pos) = header_at(frame, 0).map_err(Some)?;
        let mut ranges = Vec::new();
        match header {
            Header::Array(Some(n)) => {
                ranges.reserve(n.min(16));
                for _ in 0..n {
                    let end = skip(frame, pos, 1).map_err(Some)?;
                    ranges.push(pos..end);
                    pos = end;
                }
            }
            Header::Array(None) => loop {
                if let (Header::Break, next) = header_at(frame, pos).map_err(Some)? {
                    pos = next;
                    break;
                }
                let end = skip(frame, pos, 1).map_err(Some)?;
                ranges.push(pos..end);
                pos = end;
            },
            _ => {
                return match skip(frame, 0, 0) {
                    Ok(end) if end == frame.len() => Err(None),
                    Ok(_) => Err(Some("trailing bytes after the message".into())),
                    Err(e) => Err(Some(e)),
                };
            }
        }
        if pos != frame.len() {
            return Err(Some("trailing bytes after the message".into()));
        }
        Ok(ranges)
    }

    fn split_dict(dict: &[u8]) -> Result<Vec<(String, Range<usize>)>, String> {
        let (header, mut pos) = header_at(dict, 0)?;
        let mut entries = Vec::new();
        let mut entry = |pos: usize| -> Result<usize, String> {
            let key_end = skip(dict, pos, 1)?;
            let key = Self::read_str(&dict[pos..key_end])
                .ok_or("a dict key is not a string")?
                .into_owned();
            let end = skip(dict, key_end, 1)?;
            entries.push((key, key_end..end));
            Ok(end)
        };
        match header {
            Header::Map(Some(n)) => {
                for _ in 0..n {
                    pos = entry(pos)?;
                }
            }
            Header::Map(None) => loop {
                if let (Header::Break, next) = header_at(dict, pos)? {
                    pos = next;
                    break;
                }
                pos = entry(pos)?;
            },
            _ => return Err("not a dict".into()),
        }
        if pos != dict.len() {
            return Err("trailing bytes after the dict".into());
        }
        Ok(entries)
    }

    fn decode_path<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, PathError> {
        // ciborium's deserializer is private: the path is tracked inside a
        // wrapper type and handed back through a thread-local (decoding is synchronous).
        let mut reader = bytes;
        match ciborium::from_reader::<Tracked<T>, _>(&mut reader) {
            Ok(Tracked(value)) if reader.is_empty() => Ok(value),
            Ok(_) => Err(PathError::whole("trailing bytes after the value")),
            Err(e) => {
                let path = LAST_PATH.with(|p| p.take()).unwrap_or_else(|| ".".into());
                let message = match e {
                    ciborium::de::Error::Semantic(_, m) => m,
                    other => other.to_string(),
                };
                Err(PathError { path, message })
            }
        }
    }

    fn sniff(elem: &[u8]) -> Sniff {
        let Some(&byte) = elem.first() else {
            return Sniff::Other;
        };
        match byte >> 5 {
            0 | 1 => Sniff::Int,
            2 => Sniff::Bin,
            3 => Sniff::Str,
            4 => Sniff::List,
            5 => Sniff::Dict,
            6 => Sniff::Other,
            _ => match byte {
                0xf4 | 0xf5 => Sniff::Bool,
                0xf6 | 0xf7 => Sniff::Null,
                0xf9..=0xfb => Sniff::Float,
                _ => Sniff::Other,
            },
        }
    }

    fn read_u64(elem: &[u8]) -> Option<u64> {
        match header_at(elem, 0).ok()? {
            (Header::Positive(n), end) if end == elem.len() => Some(n),
            _ => None,
        }
    }

    fn read_str(elem: &[u8]) -> Option<Cow<'_, str>> {
        match header_at(elem, 0).ok()? {
            (Header::Text(Some(n)), start) if start + n == elem.len() => {
                std::str::from_utf8(&elem[start..]).ok().map(Cow::Borrowed)
            }
            (Header::Text(None), _) => ciborium::from_reader::<String, _>(elem)
                .ok()
                .map(Cow::Owned),
            _ => None,
        }
    }

    fn read_bin(elem: &[u8]) -> Option<Vec<u8>> {
        match header_at(elem, 0).ok()? {
            (Header::Bytes(Some(n)), start) if start + n == elem.len() => {
                Some(elem[start..].to_vec())
            }
            (Header::Bytes(None), _) => match ciborium::from_reader::<Value, _>(elem).ok()? {
                Value::Bytes(b) => Some(b),
                _ => None,
            },
            _ => None,
        }
    }

    fn begin_list(out: &mut Vec<u8>, len: usize) {
        // Writing into a Vec cannot fail.
        let _ = Encoder::from(out).push(Header::Array(Some(len)));
    }

    fn separator(_out: &mut Vec<u8>) {}

    fn end_list(_out: &mut Vec<u8>) {}

    fn write_u64(out: &mut Vec<u8>, n: u64) {
        let _ = Encoder::from(out).push(Header::Positive(n));
    }

    fn write_str(out: &mut Vec<u8>, s: &str) {
        let _ = Encoder::from(out).text(s, None);
    }

    fn write_bin(out: &mut Vec<u8>, b: &[u8]) {
        let _ = Encoder::from(out).bytes(b, None);
    }

    fn encode_typed<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) -> Result<(), String> {
        ciborium::into_writer(v, out).map_err(|e| e.to_string())
    }

    fn decode_typed<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
        let mut reader = bytes;
        let value = ciborium::from_reader(&mut reader).map_err(|e| e.to_string())?;
        if !reader.is_empty() {
            return Err("trailing bytes after the value".into());
        }
        Ok(value)
    }

    fn decode_coerced<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
        let mut reader = bytes;
        let Coerced(value) = ciborium::from_reader(&mut reader).map_err(|e| match e {
            // The decoder's message, not ciborium's `Debug` of it.
            ciborium::de::Error::Semantic(_, m) => m,
            other => other.to_string(),
        })?;
        if !reader.is_empty() {
            return Err("trailing bytes after the value".into());
        }
        Ok(value)
    }
}
