//! The RawSocket frame codec: a 4-octet header, then the payload.
//!
//! Header: `RRRR XTTT` then a 24-bit big-endian length. `RRRR` must be zero,
//! `TTT` is the frame type (0 message, 1 PING, 2 PONG, 3–7 reserved) and `X` is
//! the 25th length bit, set only for a payload of exactly 16 MiB (with the 24
//! low bits zero).

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::transport::TransportError;

/// Length of a frame header.
pub(super) const HEADER_LEN: usize = 4;

/// Largest payload a RawSocket frame can carry: 16 MiB.
pub(super) const MAX_FRAME_LEN: usize = 1 << 24;

/// Capacity allocated for the first frame encoded into an empty write buffer.
const WRITE_INITIAL: usize = 8 * 1024;

/// What a RawSocket frame carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum FrameType {
    /// A serialized WAMP message.
    Message,
    /// A PING; the peer answers with one PONG echoing the payload.
    Ping,
    /// The answer to a PING.
    Pong,
}

impl FrameType {
    /// The 3-bit `TTT` code of this frame type.
    pub(super) const fn code(self) -> u8 {
        match self {
            Self::Message => 0,
            Self::Ping => 1,
            Self::Pong => 2,
        }
    }

    /// The frame type of a `TTT` code; `None` for the reserved codes 3–7.
    pub(super) const fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::Message),
            1 => Some(Self::Ping),
            2 => Some(Self::Pong),
            _ => None,
        }
    }
}

/// One RawSocket frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Frame {
    /// What the frame carries.
    pub(super) kind: FrameType,
    /// The payload.
    pub(super) payload: Bytes,
}

impl Frame {
    /// A WAMP message frame.
    pub(super) fn message(payload: Bytes) -> Self {
        Self {
            kind: FrameType::Message,
            payload,
        }
    }

    /// A PING frame.
    pub(super) fn ping(payload: Bytes) -> Self {
        Self {
            kind: FrameType::Ping,
            payload,
        }
    }

    /// A PONG frame.
    pub(super) fn pong(payload: Bytes) -> Self {
        Self {
            kind: FrameType::Pong,
            payload,
        }
    }
}

/// Encodes a frame header. Fails if `len` is above 16 MiB.
pub(super) fn encode_header(
    kind: FrameType,
    len: usize,
) -> Result<[u8; HEADER_LEN], TransportError> {
    if len > MAX_FRAME_LEN {
        return Err(TransportError::MessageTooLarge {
            size: len,
            limit: MAX_FRAME_LEN,
        });
    }
    let x = ((len >> 24) & 1) as u8;
    Ok([
        (x << 3) | kind.code(),
        (len >> 16) as u8,
        (len >> 8) as u8,
        len as u8,
    ])
}

/// Decodes a frame header into its type and payload length.
pub(super) fn decode_header(
    header: [u8; HEADER_LEN],
) -> Result<(FrameType, usize), TransportError> {
    let first = header[0];
    if first & 0xF0 != 0 {
        return Err(TransportError::Framing(format!(
            "RawSocket frame header has reserved bits set (first octet {first:#04x})"
        )));
    }
    let code = first & 0x07;
    let kind = FrameType::from_code(code).ok_or_else(|| {
        TransportError::Framing(format!("RawSocket frame has reserved frame type {code}"))
    })?;
    let low =
        (usize::from(header[1]) << 16) | (usize::from(header[2]) << 8) | usize::from(header[3]);
    let len = if first & 0x08 != 0 {
        if low != 0 {
            return Err(TransportError::Framing(format!(
                "RawSocket frame length has the 25th bit set with non-zero low bits ({low:#x})"
            )));
        }
        MAX_FRAME_LEN
    } else {
        low
    };
    Ok((kind, len))
}

/// Tokio codec of RawSocket frames, enforcing this end's incoming limit.
#[derive(Debug, Clone)]
pub(super) struct RawSocketCodec {
    max_incoming: usize,
}

impl RawSocketCodec {
    /// A codec refusing incoming payloads above `max_incoming` bytes (capped at 16 MiB).
    pub(super) fn new(max_incoming: usize) -> Self {
        let max_incoming = if max_incoming == 0 {
            MAX_FRAME_LEN
        } else {
            max_incoming.min(MAX_FRAME_LEN)
        };
        Self { max_incoming }
    }

    /// The incoming limit this codec enforces.
    pub(super) fn max_incoming(&self) -> usize {
        self.max_incoming
    }
}

impl Decoder for RawSocketCodec {
    type Item = Frame;
    type Error = TransportError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, TransportError> {
        let Some(header) = src.first_chunk::<HEADER_LEN>() else {
            return Ok(None);
        };
        let (kind, len) = decode_header(*header)?;
        // PINGs and PONGs are bounded by the same limit as messages.
        if len > self.max_incoming {
            return Err(TransportError::MessageTooLarge {
                size: len,
                limit: self.max_incoming,
            });
        }
        if src.len() < HEADER_LEN + len {
            src.reserve(HEADER_LEN + len - src.len());
            return Ok(None);
        }
        src.advance(HEADER_LEN);
        let payload = src.split_to(len).freeze();
        Ok(Some(Frame { kind, payload }))
    }
}

impl Encoder<Frame> for RawSocketCodec {
    type Error = TransportError;

    fn encode(&mut self, frame: Frame, dst: &mut BytesMut) -> Result<(), TransportError> {
        let header = encode_header(frame.kind, frame.payload.len())?;
        let needed = HEADER_LEN + frame.payload.len();
        // The buffer is freed after each flush: start a batch with room for more.
        dst.reserve(if dst.capacity() == 0 {
            needed.max(WRITE_INITIAL)
        } else {
            needed
        });
        dst.put_slice(&header);
        dst.put_slice(&frame.payload);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_of_exactly_16_mib_uses_the_25th_bit() {
        let h = encode_header(FrameType::Message, MAX_FRAME_LEN).unwrap();
        assert_eq!(h, [0x08, 0, 0, 0]);
        assert_eq!(
            decode_header(h).unwrap(),
            (FrameType::Message, MAX_FRAME_LEN)
        );
        let h = encode_header(FrameType::Pong, MAX_FRAME_LEN).unwrap();
        assert_eq!(h, [0x0A, 0, 0, 0]);
        assert_eq!(decode_header(h).unwrap(), (FrameType::Pong, MAX_FRAME_LEN));
    }

    #[test]
    fn header_just_below_16_mib_and_small() {
        let h = encode_header(FrameType::Message, MAX_FRAME_LEN - 1).unwrap();
        assert_eq!(h, [0x00, 0xFF, 0xFF, 0xFF]);
        assert_eq!(
            decode_header(h).unwrap(),
            (FrameType::Message, MAX_FRAME_LEN - 1)
        );
        let h = encode_header(FrameType::Ping, 0x010203).unwrap();
        assert_eq!(h, [0x01, 0x01, 0x02, 0x03]);
        assert_eq!(decode_header(h).unwrap(), (FrameType::Ping, 0x010203));
    }

    #[test]
    fn header_above_16_mib_is_refused() {
        assert!(matches!(
            encode_header(FrameType::Message, MAX_FRAME_LEN + 1),
            Err(TransportError::MessageTooLarge { size, limit }) if size == MAX_FRAME_LEN + 1 && limit == MAX_FRAME_LEN
        ));
    }

    #[test]
    fn bad_headers_are_framing_errors() {
        // Reserved frame types.
        for t in 3..8u8 {
            assert!(matches!(
                decode_header([t, 0, 0, 1]),
                Err(TransportError::Framing(_))
            ));
        }
        // Reserved high bits.
        assert!(matches!(
            decode_header([0x10, 0, 0, 1]),
            Err(TransportError::Framing(_))
        ));
        // 25th bit with non-zero low bits.
        assert!(matches!(
            decode_header([0x08, 0, 0, 1]),
            Err(TransportError::Framing(_))
        ));
    }

    #[test]
    fn codec_round_trip_and_partial_input() {
        let mut codec = RawSocketCodec::new(1024);
        let mut buf = BytesMut::new();
        codec
            .encode(Frame::message(Bytes::from_static(b"hello")), &mut buf)
            .unwrap();
        codec
            .encode(Frame::ping(Bytes::from_static(b"p")), &mut buf)
            .unwrap();
        assert_eq!(&buf[..4], &[0, 0, 0, 5]);
        let mut partial = buf.split_to(6);
        assert_eq!(codec.decode(&mut partial).unwrap(), None);
        partial.unsplit(buf);
        assert_eq!(
            codec.decode(&mut partial).unwrap(),
            Some(Frame::message(Bytes::from_static(b"hello")))
        );
        assert_eq!(
            codec.decode(&mut partial).unwrap(),
            Some(Frame::ping(Bytes::from_static(b"p")))
        );
        assert_eq!(codec.decode(&mut partial).unwrap(), None);
    }

    #[test]
    fn codec_refuses_frames_above_its_limit_from_the_header_alone() {
        let mut codec = RawSocketCodec::new(512);
        let mut buf = BytesMut::from(&[0u8, 0, 2, 1][..]); // 513 bytes announced
        assert!(matches!(
            codec.decode(&mut buf),
            Err(TransportError::MessageTooLarge {
                size: 513,
                limit: 512
            })
        ));
        let mut buf = BytesMut::from(&[0u8, 0, 2, 0][..]);
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
    }
}
