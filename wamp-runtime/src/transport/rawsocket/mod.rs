//! RawSocket transport (`rs://`, `rss://`): a 4-octet handshake, then frames
//! with a 4-octet header, over any [`ByteStream`] (TCP or TLS).
//!
//! RawSocket cannot negotiate: the client asks for exactly one serializer (the
//! first of [`ClientOptions::serializers`]) and the server accepts or refuses it.
//!
//! - [`handshake`]: the four octets each way, client and server side;
//! - [`codec`]: the frame header and the frame codec;
//! - [`connection`]: an established connection, PINGs answered, as a [`Transport`](super::Transport).
//!
//! The server side starts in [`Acceptor`](super::Acceptor), which reads the
//! first octet to tell RawSocket from WebSocket.

mod codec;
mod connection;
mod handshake;

pub(super) use handshake::{MAGIC, length_exponent, server_with_hello};

use super::io::{ByteStream, StreamInfo, with_timeout};
use super::{ClientOptions, ServerOptions, Transport, TransportError};
use crate::serializer::SerializerKind;
use connection::RawSocket;
use handshake::max_length;

/// The effective outgoing limit: the peer's announced limit, and ours if set.
fn outgoing_limit(peer_max: usize, ours: usize) -> usize {
    if ours == 0 {
        peer_max
    } else {
        peer_max.min(ours)
    }
}

/// Runs the client handshake on `stream`, asking for the first serializer of
/// `options.serializers` and announcing `options.max_incoming` (rounded up to a
/// power of two).
pub(super) async fn client<S: ByteStream>(
    stream: S,
    options: &ClientOptions,
) -> Result<Transport, TransportError> {
    Ok(connect(stream, options).await?.into_transport())
}

/// [`client`], with the connection still seen as RawSocket frames.
async fn connect<S: ByteStream>(
    mut stream: S,
    options: &ClientOptions,
) -> Result<RawSocket<S>, TransportError> {
    let serializer = *options
        .serializers
        .first()
        .ok_or_else(|| TransportError::SerializerRefused("no serializer to offer".into()))?;
    let info = StreamInfo::of(&stream);
    let exp = length_exponent(options.max_incoming);
    let peer_max = with_timeout(
        options.handshake_timeout,
        "RawSocket handshake",
        handshake::client(&mut stream, serializer, exp),
    )
    .await?;
    tracing::debug!(%serializer, peer_max, "RawSocket client connected");
    Ok(RawSocket::new(
        stream,
        serializer,
        info,
        max_length(exp),
        outgoing_limit(peer_max, options.max_outgoing),
        options.keepalive.filter(|_| options.rawsocket_keepalive),
    )
    .announce_keepalive())
}

/// The server side after a successful handshake (see [`server_with_hello`]):
/// `exp` is the length exponent this server announced, `peer_max` the
/// client's limit.
pub(super) fn server_established<S: ByteStream>(
    stream: S,
    serializer: SerializerKind,
    peer_max: usize,
    exp: u8,
    options: &ServerOptions,
) -> Transport {
    let info = StreamInfo::of(&stream);
    tracing::debug!(%serializer, peer_max, peer = ?info.peer, "RawSocket server accepted");
    RawSocket::new(
        stream,
        serializer,
        info,
        max_length(exp),
        outgoing_limit(peer_max, options.max_outgoing),
        options.keepalive.filter(|_| options.rawsocket_keepalive),
    )
    .keepalive_after_ping(options.keepalive.filter(|_| !options.rawsocket_keepalive))
    .into_transport()
}

#[cfg(test)]
mod tests;
