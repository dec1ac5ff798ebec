//! The RawSocket opening handshake: four octets each way.
//!
//! Client: `0x7F`, `LLLL SSSS`, `0x00`, `0x00`, where `2^(9+LLLL)` is the largest
//! message the client accepts and `SSSS` the serializer. Server: the same layout
//! echoing `SSSS` with its own `LLLL`, or the error form `0x7F`, `EEEE 0000`,
//! `0x00`, `0x00`.

use std::fmt;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::serializer::SerializerKind;
use crate::transport::TransportError;

/// First octet of every RawSocket handshake.
pub(crate) const MAGIC: u8 = 0x7F;

/// Why a RawSocket server refused a handshake (the `EEEE` error code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Refusal {
    /// 1: the requested serializer is not supported.
    SerializerUnsupported,
    /// 2: the announced maximum message length is not acceptable.
    MaxLengthUnacceptable,
    /// 3: reserved bits were used.
    ReservedBitsUsed,
    /// 4: the maximum connection count was reached.
    MaxConnectionCount,
}

impl Refusal {
    /// The 4-bit error code.
    pub(super) const fn code(self) -> u8 {
        match self {
            Self::SerializerUnsupported => 1,
            Self::MaxLengthUnacceptable => 2,
            Self::ReservedBitsUsed => 3,
            Self::MaxConnectionCount => 4,
        }
    }

    /// The refusal of an error code; `None` for 0 (illegal) and 5–15 (unknown).
    pub(super) const fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::SerializerUnsupported),
            2 => Some(Self::MaxLengthUnacceptable),
            3 => Some(Self::ReservedBitsUsed),
            4 => Some(Self::MaxConnectionCount),
            _ => None,
        }
    }

    /// The four octets of this error reply.
    pub(super) const fn reply(self) -> [u8; 4] {
        [MAGIC, self.code() << 4, 0, 0]
    }

    fn into_error(self, serializer: SerializerKind) -> TransportError {
        match self {
            Self::SerializerUnsupported => TransportError::SerializerRefused(format!(
                "RawSocket server refused serializer {serializer} (error 1: serializer unsupported)"
            )),
            other => TransportError::Handshake(format!(
                "RawSocket server refused the handshake (error {}: {other})",
                other.code()
            )),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SerializerUnsupported => "serializer unsupported",
            Self::MaxLengthUnacceptable => "maximum message length unacceptable",
            Self::ReservedBitsUsed => "use of reserved bits (unsupported feature)",
            Self::MaxConnectionCount => "maximum connection count reached",
        })
    }
}

/// The `LLLL` exponent announcing at least `max_len` bytes: the smallest `L` in
/// 0..=15 with `2^(9+L) >= max_len` (15, i.e. 16 MiB, when `max_len` is 0 or larger).
pub(crate) fn length_exponent(max_len: usize) -> u8 {
    if max_len == 0 {
        return 15;
    }
    (0u8..=15).find(|&l| max_length(l) >= max_len).unwrap_or(15)
}

/// The message length announced by the exponent `l`: `2^(9+l)` bytes.
pub(super) const fn max_length(l: u8) -> usize {
    1 << (9 + (l & 0x0F) as u32)
}

/// The client's four octets.
pub(super) fn client_hello(serializer: SerializerKind, length_exp: u8) -> [u8; 4] {
    [
        MAGIC,
        ((length_exp & 0x0F) << 4) | serializer.rawsocket_id(),
        0,
        0,
    ]
}

/// What a server made of a client's hello.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ClientHello {
    /// A well-formed request for a serializer code (maybe unknown to us), with
    /// the client's maximum message length.
    Request {
        /// The `SSSS` code asked for.
        serializer: u8,
        /// The largest message the client accepts.
        max_len: usize,
    },
    /// Octets 3 and 4 are not zero.
    ReservedBitsUsed,
}

/// Parses a client hello. A first octet other than `0x7F` is not RawSocket.
pub(super) fn parse_client_hello(hello: [u8; 4]) -> Result<ClientHello, TransportError> {
    if hello[0] != MAGIC {
        return Err(TransportError::Handshake(format!(
            "not a RawSocket handshake: first octet is {:#04x}, expected 0x7f",
            hello[0]
        )));
    }
    if hello[2] != 0 || hello[3] != 0 {
        return Ok(ClientHello::ReservedBitsUsed);
    }
    Ok(ClientHello::Request {
        serializer: hello[1] & 0x0F,
        max_len: max_length(hello[1] >> 4),
    })
}

/// Parses a server's reply to our hello for `serializer`; returns the
/// server's maximum message length.
pub(super) fn parse_server_reply(
    reply: [u8; 4],
    serializer: SerializerKind,
) -> Result<usize, TransportError> {
    if reply[0] != MAGIC {
        return Err(TransportError::Handshake(format!(
            "server reply is not RawSocket: first octet is {:#04x}, expected 0x7f",
            reply[0]
        )));
    }
    let (high, low) = (reply[1] >> 4, reply[1] & 0x0F);
    if low == 0 {
        return Err(match Refusal::from_code(high) {
            Some(refusal) => refusal.into_error(serializer),
            None => TransportError::Handshake(format!(
                "RawSocket server refused the handshake with unknown error code {high}"
            )),
        });
    }
    if reply[2] != 0 || reply[3] != 0 {
        return Err(TransportError::Handshake(format!(
            "RawSocket server reply uses reserved octets ({:#04x} {:#04x})",
            reply[2], reply[3]
        )));
    }
    if low != serializer.rawsocket_id() {
        return Err(TransportError::SerializerRefused(format!(
            "RawSocket server answered serializer code {low}, but we asked for {serializer} ({})",
            serializer.rawsocket_id()
        )));
    }
    Ok(max_length(high))
}

/// Client side: sends the hello, reads the reply; returns the server's
/// maximum message length.
pub(super) async fn client<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    serializer: SerializerKind,
    length_exp: u8,
) -> Result<usize, TransportError> {
    stream
        .write_all(&client_hello(serializer, length_exp))
        .await?;
    stream.flush().await?;
    let mut reply = [0u8; 4];
    stream.read_exact(&mut reply).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            TransportError::Handshake(
                "server closed the connection during the RawSocket handshake".into(),
            )
        } else {
            e.into()
        }
    })?;
    parse_server_reply(reply, serializer)
}

/// Server side, once the client's hello is read (the acceptor reads it to
/// tell RawSocket from HTTP): answers it. Returns the serializer chosen (the
/// client's, if in `accepted`) and the client's maximum message length; on
/// refusal, the error reply has been sent.
pub(crate) async fn server_with_hello<S: AsyncWrite + Unpin>(
    stream: &mut S,
    hello: [u8; 4],
    accepted: &[SerializerKind],
    length_exp: u8,
) -> Result<(SerializerKind, usize), TransportError> {
    let (code, client_max) = match parse_client_hello(hello)? {
        ClientHello::ReservedBitsUsed => {
            refuse_after_hello(stream, Refusal::ReservedBitsUsed).await?;
            return Err(TransportError::Handshake(
                "RawSocket client used reserved bits; refused with error 3".into(),
            ));
        }
        ClientHello::Request {
            serializer,
            max_len,
        } => (serializer, max_len),
    };
    match SerializerKind::from_rawsocket_id(code).filter(|k| accepted.contains(k)) {
        Some(serializer) => {
            stream
                .write_all(&[MAGIC, ((length_exp & 0x0F) << 4) | code, 0, 0])
                .await?;
            stream.flush().await?;
            Ok((serializer, client_max))
        }
        None => {
            refuse_after_hello(stream, Refusal::SerializerUnsupported).await?;
            Err(TransportError::SerializerRefused(format!(
                "RawSocket client asked for serializer code {code}, which this server does not accept; refused with error 1"
            )))
        }
    }
}

/// Sends an error reply (the client's hello must have been read).
async fn refuse_after_hello<S: AsyncWrite + Unpin>(
    stream: &mut S,
    refusal: Refusal,
) -> Result<(), TransportError> {
    stream.write_all(&refusal.reply()).await?;
    stream.flush().await?;
    stream.shutdown().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponents() {
        assert_eq!(length_exponent(1), 0);
        assert_eq!(length_exponent(512), 0);
        assert_eq!(length_exponent(513), 1);
        assert_eq!(length_exponent(1 << 20), 11);
        assert_eq!(length_exponent(16 << 20), 15);
        assert_eq!(length_exponent(usize::MAX), 15);
        assert_eq!(length_exponent(0), 15);
        assert_eq!(max_length(0), 512);
        assert_eq!(max_length(15), 16 << 20);
    }

    #[test]
    fn hello_octets_match_the_spec_examples() {
        assert_eq!(client_hello(SerializerKind::Json, 15), [0x7F, 0xF1, 0, 0]);
        assert_eq!(client_hello(SerializerKind::Json, 11), [0x7F, 0xB1, 0, 0]);
        assert_eq!(client_hello(SerializerKind::Cbor, 0), [0x7F, 0x03, 0, 0]);
    }

    #[test]
    fn error_replies() {
        assert_eq!(Refusal::SerializerUnsupported.reply(), [0x7F, 0x10, 0, 0]);
        assert_eq!(Refusal::MaxConnectionCount.reply(), [0x7F, 0x40, 0, 0]);
        let e = parse_server_reply([0x7F, 0x40, 0, 0], SerializerKind::Json).unwrap_err();
        assert!(e.to_string().contains("maximum connection count"), "{e}");
        let e = parse_server_reply([0x7F, 0x20, 0, 0], SerializerKind::Json).unwrap_err();
        assert!(
            e.to_string()
                .contains("maximum message length unacceptable"),
            "{e}"
        );
        let e = parse_server_reply([0x7F, 0x10, 0, 0], SerializerKind::Json).unwrap_err();
        assert!(matches!(e, TransportError::SerializerRefused(_)), "{e}");
        let e = parse_server_reply([0x7F, 0x00, 0, 0], SerializerKind::Json).unwrap_err();
        assert!(matches!(e, TransportError::Handshake(_)), "{e}");
        let e = parse_server_reply([0x48, 0x54, 0x54, 0x50], SerializerKind::Json).unwrap_err();
        assert!(e.to_string().contains("first octet"), "{e}");
        // Server echoing another serializer.
        let e = parse_server_reply([0x7F, 0xF2, 0, 0], SerializerKind::Json).unwrap_err();
        assert!(matches!(e, TransportError::SerializerRefused(_)), "{e}");
        assert_eq!(
            parse_server_reply([0x7F, 0xB2, 0, 0], SerializerKind::MsgPack).unwrap(),
            1 << 20
        );
    }
}
