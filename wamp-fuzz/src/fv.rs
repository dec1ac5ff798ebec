//! Frame values: a tree of everything the three serializers can carry,
//! including what WAMP forbids (non-string map keys, CBOR tags, invalid UTF-8
//! in strings, deep nesting), and its encoding in JSON, MessagePack and CBOR.
//! Encoding never recurses on [`FValue::Deep`], so nesting thousands of
//! levels deep costs no stack here.

use base64::Engine;
use wamp::SerializerKind;

/// One value of a frame, valid or not.
#[derive(Debug, Clone, PartialEq)]
pub enum FValue {
    /// `null` / `nil`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer (non-negative ones encode as unsigned).
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A float; `f32` when it converts losslessly and `short` asks for it.
    Float(f64),
    /// A UTF-8 string.
    Str(String),
    /// A string whose bytes need not be UTF-8.
    BadStr(Vec<u8>),
    /// Binary data (JSON: `"\0"` + base64).
    Bin(Vec<u8>),
    /// A list.
    List(Vec<FValue>),
    /// A map with keys of any type.
    Map(Vec<(FValue, FValue)>),
    /// A CBOR tag (MessagePack: an extension type; JSON: the inner value).
    Tag(u64, Box<FValue>),
    /// `depth` lists (or maps under key `"k"` when `maps`) nested around `inner`.
    Deep {
        /// Levels of nesting.
        depth: usize,
        /// Maps rather than lists.
        maps: bool,
        /// The innermost value.
        inner: Box<FValue>,
    },
}

/// How to encode: a few choices that exercise other paths of the decoders.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// CBOR: indefinite-length lists, maps and strings.
    pub indefinite: bool,
    /// Integers and lengths in wider encodings than needed.
    pub wide: bool,
    /// Floats as `f32` when lossless.
    pub short_floats: bool,
    /// JSON: spaces between tokens.
    pub spaces: bool,
}

impl FValue {
    /// A string value.
    pub fn s(text: impl AsRef<str>) -> Self {
        FValue::Str(text.as_ref().to_owned())
    }

    /// A map with string keys.
    pub fn dict(entries: Vec<(&str, FValue)>) -> Self {
        FValue::Map(
            entries
                .into_iter()
                .map(|(k, v)| (FValue::s(k), v))
                .collect(),
        )
    }

    /// The value encoded in `kind`.
    pub fn encode(&self, kind: SerializerKind, style: Style) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        match kind {
            SerializerKind::Json => json(self, style, &mut out),
            SerializerKind::MsgPack => msgpack(self, style, &mut out),
            SerializerKind::Cbor => cbor(self, style, &mut out),
        }
        out
    }
}

fn json(v: &FValue, style: Style, out: &mut Vec<u8>) {
    let sp = |out: &mut Vec<u8>| {
        if style.spaces {
            out.push(b' ');
        }
    };
    match v {
        FValue::Null => out.extend_from_slice(b"null"),
        FValue::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        FValue::Int(n) => out.extend_from_slice(n.to_string().as_bytes()),
        FValue::UInt(n) => out.extend_from_slice(n.to_string().as_bytes()),
        FValue::Float(f) => {
            if f.is_finite() {
                let text = format!("{f:?}");
                out.extend_from_slice(text.as_bytes());
            } else if f.is_nan() {
                out.extend_from_slice(b"NaN");
            } else if *f > 0.0 {
                out.extend_from_slice(b"1e999");
            } else {
                out.extend_from_slice(b"-1e999");
            }
        }
        FValue::Str(s) => {
            let quoted = serde_json::to_string(s).unwrap_or_default();
            out.extend_from_slice(quoted.as_bytes());
        }
        FValue::BadStr(b) => {
            out.push(b'"');
            out.extend_from_slice(b);
            out.push(b'"');
        }
        FValue::Bin(b) => {
            out.extend_from_slice(b"\"\\u0000");
            let text = base64::engine::general_purpose::STANDARD.encode(b);
            out.extend_from_slice(text.as_bytes());
            out.push(b'"');
        }
        FValue::List(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                    sp(out);
                }
                json(item, style, out);
            }
            out.push(b']');
        }
        FValue::Map(entries) => {
            out.push(b'{');
            for (i, (k, val)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                    sp(out);
                }
                json(k, style, out);
                out.push(b':');
                sp(out);
                json(val, style, out);
            }
            out.push(b'}');
        }
        FValue::Tag(_, inner) => json(inner, style, out),
        FValue::Deep { depth, maps, inner } => {
            for _ in 0..*depth {
                out.extend_from_slice(if *maps { b"{\"k\":" } else { b"[" });
            }
            json(inner, style, out);
            for _ in 0..*depth {
                out.push(if *maps { b'}' } else { b']' });
            }
        }
    }
}

fn mp_len(out: &mut Vec<u8>, len: usize, fix: Option<(u8, usize)>, markers: [u8; 3], wide: bool) {
    match fix {
        Some((base, max)) if len <= max && !wide => out.push(base | len as u8),
        _ if len <= 0xff && markers[0] != 0 && !wide => {
            out.push(markers[0]);
            out.push(len as u8);
        }
        _ if len <= 0xffff && !wide => {
            out.push(markers[1]);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(markers[2]);
            out.extend_from_slice(&(len as u32).to_be_bytes());
        }
    }
}

fn mp_uint(out: &mut Vec<u8>, n: u64, wide: bool) {
    if wide {
        out.push(0xcf);
        out.extend_from_slice(&n.to_be_bytes());
    } else if n < 128 {
        out.push(n as u8);
    } else if n <= 0xff {
        out.extend_from_slice(&[0xcc, n as u8]);
    } else if n <= 0xffff {
        out.push(0xcd);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else if n <= 0xffff_ffff {
        out.push(0xce);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn msgpack(v: &FValue, style: Style, out: &mut Vec<u8>) {
    let wide = style.wide;
    match v {
        FValue::Null => out.push(0xc0),
        FValue::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        FValue::UInt(n) => mp_uint(out, *n, wide),
        FValue::Int(n) if *n >= 0 => mp_uint(out, *n as u64, wide),
        FValue::Int(n) => {
            if wide || *n < i32::MIN as i64 {
                out.push(0xd3);
                out.extend_from_slice(&n.to_be_bytes());
            } else if *n >= -32 {
                out.push(*n as i8 as u8);
            } else if *n >= i8::MIN as i64 {
                out.extend_from_slice(&[0xd0, *n as i8 as u8]);
            } else if *n >= i16::MIN as i64 {
                out.push(0xd1);
                out.extend_from_slice(&(*n as i16).to_be_bytes());
            } else {
                out.push(0xd2);
                out.extend_from_slice(&(*n as i32).to_be_bytes());
            }
        }
        FValue::Float(f) => {
            if style.short_floats && (*f as f32) as f64 == *f {
                out.push(0xca);
                out.extend_from_slice(&(*f as f32).to_be_bytes());
            } else {
                out.push(0xcb);
                out.extend_from_slice(&f.to_be_bytes());
            }
        }
        FValue::Str(s) => {
            mp_len(out, s.len(), Some((0xa0, 31)), [0xd9, 0xda, 0xdb], wide);
            out.extend_from_slice(s.as_bytes());
        }
        FValue::BadStr(b) => {
            mp_len(out, b.len(), Some((0xa0, 31)), [0xd9, 0xda, 0xdb], wide);
            out.extend_from_slice(b);
        }
        FValue::Bin(b) => {
            mp_len(out, b.len(), None, [0xc4, 0xc5, 0xc6], wide);
            out.extend_from_slice(b);
        }
        FValue::List(items) => {
            mp_len(out, items.len(), Some((0x90, 15)), [0, 0xdc, 0xdd], wide);
            for item in items {
                msgpack(item, style, out);
            }
        }
        FValue::Map(entries) => {
            mp_len(out, entries.len(), Some((0x80, 15)), [0, 0xde, 0xdf], wide);
            for (k, val) in entries {
                msgpack(k, style, out);
                msgpack(val, style, out);
            }
        }
        FValue::Tag(tag, inner) => {
            let mut body = Vec::new();
            msgpack(inner, style, &mut body);
            let len = body.len();
            match len {
                1 => out.push(0xd4),
                2 => out.push(0xd5),
                4 => out.push(0xd6),
                8 => out.push(0xd7),
                16 => out.push(0xd8),
                _ => mp_len(out, len, None, [0xc7, 0xc8, 0xc9], wide),
            }
            out.push(*tag as u8);
            out.extend_from_slice(&body);
        }
        FValue::Deep { depth, maps, inner } => {
            for _ in 0..*depth {
                if *maps {
                    out.extend_from_slice(&[0x81, 0xa1, b'k']);
                } else {
                    out.push(0x91);
                }
            }
            msgpack(inner, style, out);
        }
    }
}

fn cbor_head(out: &mut Vec<u8>, major: u8, n: u64, wide: bool) {
    let m = major << 5;
    if wide {
        out.push(m | 27);
        out.extend_from_slice(&n.to_be_bytes());
    } else if n < 24 {
        out.push(m | n as u8);
    } else if n <= 0xff {
        out.extend_from_slice(&[m | 24, n as u8]);
    } else if n <= 0xffff {
        out.push(m | 25);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else if n <= 0xffff_ffff {
        out.push(m | 26);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(m | 27);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn cbor_bytes(out: &mut Vec<u8>, major: u8, b: &[u8], style: Style) {
    if style.indefinite && b.len() >= 2 {
        out.push((major << 5) | 31);
        let mid = b.len() / 2;
        for chunk in [&b[..mid], &b[mid..]] {
            cbor_head(out, major, chunk.len() as u64, style.wide);
            out.extend_from_slice(chunk);
        }
        out.push(0xff);
    } else {
        cbor_head(out, major, b.len() as u64, style.wide);
        out.extend_from_slice(b);
    }
}

fn cbor(v: &FValue, style: Style, out: &mut Vec<u8>) {
    let wide = style.wide;
    match v {
        FValue::Null => out.push(0xf6),
        FValue::Bool(b) => out.push(if *b { 0xf5 } else { 0xf4 }),
        FValue::UInt(n) => cbor_head(out, 0, *n, wide),
        FValue::Int(n) if *n >= 0 => cbor_head(out, 0, *n as u64, wide),
        FValue::Int(n) => cbor_head(out, 1, !(*n as u64), wide),
        FValue::Float(f) => {
            if style.short_floats && (*f as f32) as f64 == *f {
                out.push(0xfa);
                out.extend_from_slice(&(*f as f32).to_be_bytes());
            } else {
                out.push(0xfb);
                out.extend_from_slice(&f.to_be_bytes());
            }
        }
        FValue::Str(s) => cbor_bytes(out, 3, s.as_bytes(), style),
        FValue::BadStr(b) => cbor_bytes(out, 3, b, style),
        FValue::Bin(b) => cbor_bytes(out, 2, b, style),
        FValue::List(items) => {
            if style.indefinite {
                out.push(0x9f);
            } else {
                cbor_head(out, 4, items.len() as u64, wide);
            }
            for item in items {
                cbor(item, style, out);
            }
            if style.indefinite {
                out.push(0xff);
            }
        }
        FValue::Map(entries) => {
            if style.indefinite {
                out.push(0xbf);
            } else {
                cbor_head(out, 5, entries.len() as u64, wide);
            }
            for (k, val) in entries {
                cbor(k, style, out);
                cbor(val, style, out);
            }
            if style.indefinite {
                out.push(0xff);
            }
        }
        FValue::Tag(tag, inner) => {
            cbor_head(out, 6, *tag, wide);
            cbor(inner, style, out);
        }
        FValue::Deep { depth, maps, inner } => {
            for _ in 0..*depth {
                if *maps {
                    out.extend_from_slice(&[0xa1, 0x61, b'k']);
                } else {
                    out.push(0x81);
                }
            }
            cbor(inner, style, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wamp::Message;

    #[test]
    fn a_plain_call_decodes_in_every_serializer() {
        let call = FValue::List(vec![
            FValue::UInt(48),
            FValue::UInt(7),
            FValue::dict(vec![("receive_progress", FValue::Bool(true))]),
            FValue::s("com.a.x"),
            FValue::List(vec![
                FValue::Int(-3),
                FValue::Bin(vec![0, 1, 2]),
                FValue::Float(0.5),
            ]),
            FValue::dict(vec![("k", FValue::s("v"))]),
        ]);
        for kind in SerializerKind::ALL {
            for style in [
                Style::default(),
                Style {
                    indefinite: true,
                    wide: true,
                    short_floats: true,
                    spaces: true,
                },
            ] {
                let frame = call.encode(kind, style);
                let m = kind.decode(frame.into()).expect("decodes");
                let Message::Call(c) = m else {
                    panic!("not a CALL")
                };
                assert_eq!(c.request, 7);
                assert_eq!(c.procedure.as_str(), "com.a.x");
                assert_eq!(c.payload.args_values().expect("args").len(), 3);
            }
        }
    }
}
