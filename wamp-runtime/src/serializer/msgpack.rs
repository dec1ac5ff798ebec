//! MessagePack: binary frames, `str` and `bin` distinct, structs as maps.

use std::borrow::Cow;
use std::ops::Range;

use rmp::Marker;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::coerce::Coerce;
use super::error::PathError;
use super::format::Format;
use super::kind::SerializerKind;
use super::sniff::Sniff;

/// The MessagePack wire format.
pub(crate) struct MsgPack;

/// Deepest nesting accepted, so that hostile input cannot exhaust the stack.
/// The same as JSON's (serde_json reads 128 nested lists or dicts, the
/// message's own list included): a frame of one serializer is never too deep
/// for another once transcoded, else a caller or publisher could send what
/// JSON receivers cannot read.
const MAX_DEPTH: usize = 127;

fn be_len(buf: &[u8], pos: usize, n: usize) -> Result<usize, String> {
    let bytes = buf
        .get(pos..pos + n)
        .ok_or("truncated MessagePack length")?;
    Ok(bytes
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b)))
}

/// Returns the end offset of the value starting at `pos`.
fn skip(buf: &[u8], pos: usize, depth: usize) -> Result<usize, String> {
    if depth > MAX_DEPTH {
        return Err("MessagePack nesting too deep".into());
    }
    let byte = *buf.get(pos).ok_or("truncated MessagePack value")?;
    let p = pos + 1;
    let end = match Marker::from_u8(byte) {
        Marker::FixPos(_) | Marker::FixNeg(_) | Marker::Null | Marker::True | Marker::False => p,
        Marker::U8 | Marker::I8 => p + 1,
        Marker::U16 | Marker::I16 => p + 2,
        Marker::U32 | Marker::I32 | Marker::F32 => p + 4,
        Marker::U64 | Marker::I64 | Marker::F64 => p + 8,
        Marker::FixStr(n) => p + usize::from(n),
        Marker::Str8 | Marker::Bin8 => p + 1 + be_len(buf, p, 1)?,
        Marker::Str16 | Marker::Bin16 => p + 2 + be_len(buf, p, 2)?,
        Marker::Str32 | Marker::Bin32 => p + 4 + be_len(buf, p, 4)?,
        Marker::FixArray(n) => return skip_items(buf, p, usize::from(n), depth),
        Marker::Array16 => return skip_items(buf, p + 2, be_len(buf, p, 2)?, depth),
        Marker::Array32 => return skip_items(buf, p + 4, be_len(buf, p, 4)?, depth),
        Marker::FixMap(n) => return skip_items(buf, p, 2 * usize::from(n), depth),
        Marker::Map16 => return skip_items(buf, p + 2, 2 * be_len(buf, p, 2)?, depth),
        Marker::Map32 => return skip_items(buf, p + 4, 2 * be_len(buf, p, 4)?, depth),
        Marker::FixExt1 => p + 2,
        Marker::FixExt2 => p + 3,
        Marker::FixExt4 => p + 5,
        Marker::FixExt8 => p + 9,
        Marker::FixExt16 => p + 17,
        Marker::Ext8 => p + 2 + be_len(buf, p, 1)?,
        Marker::Ext16 => p + 3 + be_len(buf, p, 2)?,
        Marker::Ext32 => p + 5 + be_len(buf, p, 4)?,
        Marker::Reserved => return Err("reserved MessagePack marker 0xc1".into()),
    };
    if end > buf.len() {
        return Err("truncated MessagePack value".into());
    }
    Ok(end)
}

fn skip_items(buf: &[u8], mut pos: usize, count: usize, depth: usize) -> Result<usize, String> {
    for _ in 0..count {
        pos = skip(buf, pos, depth + 1)?;
    }
    Ok(pos)
}

impl Format for MsgPack {
    const KIND: SerializerKind = SerializerKind::MsgPack;
    const EMPTY_DICT: &'static [u8] = &[0x80];
    const EMPTY_LIST: &'static [u8] = &[0x90];

    fn split(frame: &[u8]) -> Result<Vec<Range<usize>>, Option<String>> {
        let first = *frame
            .first()
            .ok_or_else(|| Some("empty frame".to_string()))?;
        let (mut pos, count) = match Marker::from_u8(first) {
            Marker::FixArray(n) => (1, usize::from(n)),
            Marker::Array16 => (3, be_len(frame, 1, 2).map_err(Some)?),
            Marker::Array32 => (5, be_len(frame, 1, 4).map_err(Some)?),
            _ => {
                return match skip(frame, 0, 0) {
                    Ok(end) if end == frame.len() => Err(None),
                    Ok(_) => Err(Some("trailing bytes after the message".into())),
                    Err(e) => Err(Some(e)),
                };
            }
        };
        let mut ranges = Vec::with_capacity(count.min(16));
        for _ in 0..count {
            let end = skip(frame, pos, 1).map_err(Some)?;
            ranges.push(pos..end);
            pos = end;
        }
        if pos != frame.len() {
            return Err(Some("trailing bytes after the message".into()));
        }
        Ok(ranges)
    }

    fn split_dict(dict: &[u8]) -> Result<Vec<(String, Range<usize>)>, String> {
        let first = *dict.first().ok_or("empty dict")?;
        let (mut pos, count) = match Marker::from_u8(first) {
            Marker::FixMap(n) => (1, usize::from(n)),
            Marker::Map16 => (3, be_len(dict, 1, 2)?),
            Marker::Map32 => (5, be_len(dict, 1, 4)?),
            _ => return Err("not a dict".into()),
        };
        let mut entries = Vec::with_capacity(count.min(64));
        for _ in 0..count {
            let key_end = skip(dict, pos, 1)?;
            let key = Self::read_str(&dict[pos..key_end])
                .ok_or("a dict key is not a string")?
                .into_owned();
            let end = skip(dict, key_end, 1)?;
            entries.push((key, key_end..end));
            pos = end;
        }
        if pos != dict.len() {
            return Err("trailing bytes after the dict".into());
        }
        Ok(entries)
    }

    fn decode_path<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, PathError> {
        let mut deserializer = rmp_serde::Deserializer::from_read_ref(bytes);
        // Elements come from `split`/`split_dict`: exactly one value each.
        serde_path_to_error::deserialize(Coerce(&mut deserializer)).map_err(PathError::from_track)
    }

    fn sniff(elem: &[u8]) -> Sniff {
        let Some(&byte) = elem.first() else {
            return Sniff::Other;
        };
        match Marker::from_u8(byte) {
            Marker::FixPos(_)
            | Marker::FixNeg(_)
            | Marker::U8
            | Marker::U16
            | Marker::U32
            | Marker::U64
            | Marker::I8
            | Marker::I16
            | Marker::I32
            | Marker::I64 => Sniff::Int,
            Marker::F32 | Marker::F64 => Sniff::Float,
            Marker::Null => Sniff::Null,
            Marker::True | Marker::False => Sniff::Bool,
            Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => Sniff::Str,
            Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => Sniff::Bin,
            Marker::FixArray(_) | Marker::Array16 | Marker::Array32 => Sniff::List,
            Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => Sniff::Dict,
            _ => Sniff::Other,
        }
    }

    fn read_u64(elem: &[u8]) -> Option<u64> {
        let mut rd = elem;
        rmp::decode::read_int::<u64, _>(&mut rd).ok()
    }

    fn read_str(elem: &[u8]) -> Option<Cow<'_, str>> {
        rmp::decode::read_str_from_slice(elem)
            .ok()
            .map(|(s, _)| Cow::Borrowed(s))
    }

    fn read_bin(elem: &[u8]) -> Option<Vec<u8>> {
        let mut rd = elem;
        let len = rmp::decode::read_bin_len(&mut rd).ok()? as usize;
        rd.get(..len).map(<[u8]>::to_vec)
    }

    fn begin_list(out: &mut Vec<u8>, len: usize) {
        // Writing into a Vec cannot fail.
        let _ = rmp::encode::write_array_len(out, len as u32);
    }

    fn separator(_out: &mut Vec<u8>) {}

    fn end_list(_out: &mut Vec<u8>) {}

    fn write_u64(out: &mut Vec<u8>, n: u64) {
        let _ = rmp::encode::write_uint(out, n);
    }

    fn write_str(out: &mut Vec<u8>, s: &str) {
        let _ = rmp::encode::write_str(out, s);
    }

    fn write_bin(out: &mut Vec<u8>, b: &[u8]) {
        let _ = rmp::encode::write_bin(out, b);
    }

    fn encode_typed<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) -> Result<(), String> {
        v.serialize(&mut rmp_serde::Serializer::new(out).with_struct_map())
            .map_err(|e| e.to_string())
    }

    fn decode_typed<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
        rmp_serde::from_slice(bytes).map_err(|e| e.to_string())
    }

    fn decode_coerced<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
        let mut deserializer = rmp_serde::Deserializer::from_read_ref(bytes);
        T::deserialize(Coerce(&mut deserializer)).map_err(|e| e.to_string())
    }
}
