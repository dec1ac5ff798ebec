//! Building the hub's outgoing messages: IDs written directly, options as an
//! empty dictionary, arguments copied verbatim from the incoming frame.

use bytes::Bytes;
use wamp::SerializerKind;

/// One outgoing message array, built element by element.
pub(crate) struct Out {
    json: bool,
    buf: Vec<u8>,
    first: bool,
}

impl Out {
    /// A message of `len` elements (MessagePack writes the length first).
    pub(crate) fn new(kind: SerializerKind, len: usize) -> Out {
        let json = kind == SerializerKind::Json;
        let mut buf = Vec::with_capacity(64);
        if json {
            buf.push(b'[');
        } else {
            // Hub messages have fewer than 16 elements: a fixarray.
            buf.push(0x90 | (len as u8 & 0x0f));
        }
        Out {
            json,
            buf,
            first: true,
        }
    }

    fn sep(&mut self) {
        if self.json && !self.first {
            self.buf.push(b',');
        }
        self.first = false;
    }

    /// An unsigned integer.
    pub(crate) fn uint(mut self, v: u64) -> Out {
        self.sep();
        if self.json {
            self.buf
                .extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
        } else if v < 0x80 {
            self.buf.push(v as u8);
        } else if v <= 0xffff_ffff {
            self.buf.push(0xce);
            self.buf.extend_from_slice(&(v as u32).to_be_bytes());
        } else {
            self.buf.push(0xcf);
            self.buf.extend_from_slice(&v.to_be_bytes());
        }
        self
    }

    /// An element already encoded in this serializer.
    pub(crate) fn raw(mut self, item: &[u8]) -> Out {
        self.sep();
        self.buf.extend_from_slice(item);
        self
    }

    /// Elements already encoded in this serializer.
    pub(crate) fn raws(self, items: &[&[u8]]) -> Out {
        items.iter().fold(self, |out, item| out.raw(item))
    }

    /// A string without characters to escape (a URI).
    pub(crate) fn str(mut self, s: &str) -> Out {
        self.sep();
        if self.json {
            self.buf.push(b'"');
            self.buf.extend_from_slice(s.as_bytes());
            self.buf.push(b'"');
        } else {
            // URIs the hub writes are shorter than 32 bytes: a fixstr.
            self.buf.push(0xa0 | (s.len() as u8 & 0x1f));
            self.buf.extend_from_slice(s.as_bytes());
        }
        self
    }

    /// An empty dictionary (options, details).
    pub(crate) fn empty_dict(self) -> Out {
        let json = self.json;
        self.raw(if json { b"{}" } else { &[0x80] })
    }

    /// `{"roles": {"broker": {}, "dealer": {}}}`, the details of WELCOME.
    pub(crate) fn router_roles(self) -> Out {
        const MSGPACK: &[u8] = &[
            0x81, 0xa5, b'r', b'o', b'l', b'e', b's', 0x82, 0xa6, b'b', b'r', b'o', b'k', b'e',
            b'r', 0x80, 0xa6, b'd', b'e', b'a', b'l', b'e', b'r', 0x80,
        ];
        let json = self.json;
        self.raw(if json {
            br#"{"roles":{"broker":{},"dealer":{}}}"#
        } else {
            MSGPACK
        })
    }

    /// The finished frame.
    pub(crate) fn finish(mut self) -> Bytes {
        if self.json {
            self.buf.push(b']');
        }
        Bytes::from(self.buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_serializers() {
        let j = Out::new(SerializerKind::Json, 4)
            .uint(50)
            .uint(1234)
            .empty_dict()
            .raw(b"[3]")
            .finish();
        assert_eq!(&j[..], br#"[50,1234,{},[3]]"#);
        let m = Out::new(SerializerKind::MsgPack, 3)
            .uint(50)
            .uint(300)
            .empty_dict()
            .finish();
        assert_eq!(&m[..], &[0x93, 50, 0xce, 0, 0, 1, 44, 0x80]);
    }
}
