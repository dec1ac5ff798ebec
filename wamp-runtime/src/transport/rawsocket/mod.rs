//! RawSocket transport (`rs://`, `rss://`): a 4-octet handshake, then frames
//! with a 4-octet header, over any [`ByteStream`] (TCP or TLS).
//!
//! RawSocket cannot negotiate: the client asks for exactly one serializer (the
//! first of [`ClientOptions::serializers`]) and the server accepts or refuses it.

mod codec;
mod connection;
mod handshake;

use std::future::Future;
use std::time::Duration;

pub use codec::{
    Frame, FrameType, HEADER_LEN, MAX_FRAME_LEN, RawSocketCodec, decode_header, encode_header,
};
pub use connection::RawSocket;
pub(crate) use handshake::server_with_hello;
pub use handshake::{
    ClientHello, MAGIC, Refusal, client_hello, length_exponent, max_length, parse_client_hello,
    parse_server_reply,
};

use super::io::StreamInfo;
use super::{ByteStream, ClientOptions, ServerOptions, TransportError};
use crate::serializer::SerializerKind;

pub(crate) async fn with_timeout<T>(
    limit: Duration,
    what: &str,
    fut: impl Future<Output = Result<T, TransportError>>,
) -> Result<T, TransportError> {
    match tokio::time::timeout(limit, fut).await {
        Ok(result) => result,
        Err(_) => Err(TransportError::Handshake(format!(
            "{what} did not complete within {limit:?}"
        ))),
    }
}

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
pub async fn client<S: ByteStream>(
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
        options.keepalive,
    ))
}

/// Runs the server handshake on `stream`: accepts the client's serializer if it
/// is in `options.serializers`, else answers error 1; reserved bits get error 3;
/// a first octet other than `0x7F` fails without a reply.
pub async fn server<S: ByteStream>(
    mut stream: S,
    options: &ServerOptions,
) -> Result<RawSocket<S>, TransportError> {
    let exp = length_exponent(options.max_incoming);
    let (serializer, peer_max) = with_timeout(
        options.handshake_timeout,
        "RawSocket handshake",
        handshake::server(&mut stream, &options.serializers, exp),
    )
    .await?;
    Ok(server_established(
        stream, serializer, peer_max, exp, options,
    ))
}

pub(crate) fn server_established<S: ByteStream>(
    stream: S,
    serializer: SerializerKind,
    peer_max: usize,
    exp: u8,
    options: &ServerOptions,
) -> RawSocket<S> {
    let info = StreamInfo::of(&stream);
    tracing::debug!(%serializer, peer_max, peer = ?info.peer, "RawSocket server accepted");
    RawSocket::new(
        stream,
        serializer,
        info,
        max_length(exp),
        outgoing_limit(peer_max, options.max_outgoing),
        options.keepalive,
    )
}

/// Reads a client's hello and refuses it with `refusal` (e.g. when a server is
/// at its connection limit), then shuts the stream down.
pub async fn refuse<S: ByteStream>(
    mut stream: S,
    refusal: Refusal,
    timeout: Duration,
) -> Result<(), TransportError> {
    with_timeout(timeout, "RawSocket refusal", async {
        let mut hello = [0u8; 4];
        tokio::io::AsyncReadExt::read_exact(&mut stream, &mut hello).await?;
        handshake::refuse_after_hello(&mut stream, refusal).await
    })
    .await
}
