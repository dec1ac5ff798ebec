//! WebSocket transport (`ws://`, `wss://`) on tokio-tungstenite.
//!
//! The serializer is negotiated with `Sec-WebSocket-Protocol` (`wamp.2.json`,
//! `wamp.2.msgpack`, `wamp.2.cbor`). One WAMP message is one WebSocket message:
//! text for JSON, binary for MessagePack and CBOR; a message of the other type is
//! a [`TransportError::Framing`] error. Pings are answered by tungstenite while
//! reading, and flushed from the reading side too.
//!
//! Server negotiation: the **client's** order of preference wins. The server
//! picks the first subprotocol in the client's list that it accepts, as
//! Autobahn and Crossbar do; [`ServerOptions::serializers`] only filters.

use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{Sink, Stream, StreamExt};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError, ProtocolError};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue, StatusCode, header};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use super::Keepalive;
use super::io::StreamInfo;
use super::keepalive::{Action, KeepaliveTimer};
use super::rawsocket::with_timeout;
use super::{
    ByteStream, ClientOptions, ServerOptions, Transport, TransportDetails, TransportError,
};
use crate::serializer::SerializerKind;

/// Read buffer of tungstenite: 8 KiB (its 128 KiB default is zero-filled on
/// every read and costs half the throughput of small messages).
const READ_BUFFER: usize = 8 * 1024;

/// Bytes tungstenite buffers before writing, unless flushed earlier.
const WRITE_BUFFER: usize = 64 * 1024;

fn ws_config(max_incoming: usize) -> WebSocketConfig {
    let limit = (max_incoming != 0).then_some(max_incoming);
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(limit)
        .max_frame_size(limit)
}

/// Maps a tungstenite error on an established connection.
fn map_ws_error(e: WsError) -> TransportError {
    match e {
        WsError::Io(e) => TransportError::Io(e),
        WsError::Capacity(CapacityError::MessageTooLong { size, max_size }) => {
            TransportError::MessageTooLarge {
                size,
                limit: max_size,
            }
        }
        WsError::ConnectionClosed | WsError::AlreadyClosed => TransportError::Closed,
        WsError::Utf8(e) => {
            TransportError::Framing(format!("invalid UTF-8 in a text message: {e}"))
        }
        other => TransportError::Framing(format!("WebSocket error: {other}")),
    }
}

/// Maps a tungstenite error of the opening handshake.
fn map_handshake_error(e: WsError, offered: &str) -> TransportError {
    match e {
        WsError::Io(e) => TransportError::Io(e),
        WsError::Protocol(ProtocolError::SecWebSocketSubProtocolError(e)) => {
            TransportError::SerializerRefused(format!(
                "server did not select one of our WebSocket subprotocols ({offered}): {e}"
            ))
        }
        WsError::Http(response) => {
            let body = response
                .body()
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            TransportError::Handshake(format!(
                "server refused the WebSocket handshake with HTTP {}: {}",
                response.status(),
                body.trim()
            ))
        }
        WsError::Url(e) => TransportError::InvalidUrl {
            url: String::new(),
            reason: e.to_string(),
        },
        other => TransportError::Handshake(format!("WebSocket opening handshake failed: {other}")),
    }
}

/// Runs the client opening handshake on `stream` for `url`, offering
/// `options.serializers` in order. Fails with
/// [`TransportError::SerializerRefused`] unless the server selects one of them.
pub async fn client<S: ByteStream>(
    stream: S,
    url: &str,
    options: &ClientOptions,
) -> Result<Transport, TransportError> {
    if options.serializers.is_empty() {
        return Err(TransportError::SerializerRefused(
            "no serializer to offer".into(),
        ));
    }
    let offered = options
        .serializers
        .iter()
        .map(|k| k.subprotocol())
        .collect::<Vec<_>>()
        .join(", ");
    let mut request = url
        .into_client_request()
        .map_err(|e| TransportError::InvalidUrl {
            url: url.to_owned(),
            reason: e.to_string(),
        })?;
    let headers = request.headers_mut();
    for (name, value) in &options.headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| TransportError::Handshake(format!("invalid header name `{name}`: {e}")))?;
        let value = HeaderValue::from_str(value).map_err(|e| {
            TransportError::Handshake(format!("invalid value for header `{name}`: {e}"))
        })?;
        headers.append(name, value);
    }
    headers.insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_str(&offered).map_err(|e| TransportError::Handshake(e.to_string()))?,
    );

    let info = StreamInfo::of(&stream);
    let config = ws_config(options.max_incoming);
    let (ws, response) = with_timeout(
        options.handshake_timeout,
        "WebSocket opening handshake",
        async {
            tokio_tungstenite::client_async_with_config(request, stream, Some(config))
                .await
                .map_err(|e| map_handshake_error(e, &offered))
        },
    )
    .await?;

    let selected = response
        .headers()
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    let serializer = selected
        .and_then(SerializerKind::from_subprotocol)
        .filter(|k| options.serializers.contains(k))
        .ok_or_else(|| {
            TransportError::SerializerRefused(format!(
                "server selected subprotocol {selected:?}, we offered {offered}"
            ))
        })?;
    tracing::debug!(%serializer, url, "WebSocket client connected");
    Ok(transport(
        ws,
        serializer,
        info,
        options.max_incoming,
        options.max_outgoing,
        options.keepalive,
    ))
}

/// The client's offered subprotocols, in its order of preference.
fn offered_subprotocols(request: &Request) -> Vec<String> {
    request
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Chooses the serializer for a client's offer: its first offered subprotocol
/// we accept; JSON if it offered none and `json_fallback` is set.
fn negotiate(
    offered: &[String],
    options: &ServerOptions,
) -> Result<(SerializerKind, bool), String> {
    if offered.is_empty() {
        return if options.json_fallback && options.serializers.contains(&SerializerKind::Json) {
            Ok((SerializerKind::Json, false))
        } else {
            Err(
                "the client offered no WebSocket subprotocol; this server requires one of "
                    .to_owned()
                    + &accepted_list(options),
            )
        };
    }
    offered
        .iter()
        .filter_map(|p| SerializerKind::from_subprotocol(p))
        .find(|k| options.serializers.contains(k))
        .map(|k| (k, true))
        .ok_or_else(|| {
            format!(
                "no common WAMP serializer: the client offered {}, this server accepts {}",
                offered.join(", "),
                accepted_list(options)
            )
        })
}

fn accepted_list(options: &ServerOptions) -> String {
    options
        .serializers
        .iter()
        .map(|k| k.subprotocol())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs the server opening handshake on `stream` (a TCP stream, or a TLS
/// stream already accepted). A client offering only subprotocols we do not
/// accept gets HTTP 400 and this returns [`TransportError::SerializerRefused`].
pub async fn server<S: ByteStream>(
    stream: S,
    options: &ServerOptions,
) -> Result<Transport, TransportError> {
    let info = StreamInfo::of(&stream);
    let outcome: Mutex<Option<Result<SerializerKind, String>>> = Mutex::new(None);
    // The error type is tungstenite's, not ours to shrink.
    #[allow(clippy::result_large_err)]
    let callback = |request: &Request, mut response: Response| -> Result<Response, ErrorResponse> {
        let result = negotiate(&offered_subprotocols(request), options);
        let reply = match &result {
            Ok((serializer, true)) => {
                response.headers_mut().insert(
                    header::SEC_WEBSOCKET_PROTOCOL,
                    HeaderValue::from_static(serializer.subprotocol()),
                );
                Ok(response)
            }
            Ok((_, false)) => Ok(response),
            Err(reason) => {
                let mut refusal = ErrorResponse::new(Some(reason.clone()));
                *refusal.status_mut() = StatusCode::BAD_REQUEST;
                Err(refusal)
            }
        };
        if let Ok(mut slot) = outcome.lock() {
            *slot = Some(result.map(|(k, _)| k));
        }
        reply
    };
    let config = ws_config(options.max_incoming);
    let handshake = with_timeout(
        options.handshake_timeout,
        "WebSocket opening handshake",
        async {
            tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config))
                .await
                .map_err(|e| map_handshake_error(e, ""))
        },
    )
    .await;
    let negotiated = outcome.lock().ok().and_then(|mut slot| slot.take());
    let (ws, serializer) = match (handshake, negotiated) {
        (Ok(ws), Some(Ok(serializer))) => (ws, serializer),
        (_, Some(Err(reason))) => return Err(TransportError::SerializerRefused(reason)),
        (Err(e), _) => return Err(e),
        (Ok(_), None) => {
            return Err(TransportError::Handshake(
                "WebSocket handshake completed without negotiation".into(),
            ));
        }
    };
    tracing::debug!(%serializer, peer = ?info.peer, "WebSocket server accepted");
    Ok(transport(
        ws,
        serializer,
        info,
        options.max_incoming,
        options.max_outgoing,
        options.keepalive,
    ))
}

fn transport<S: ByteStream>(
    ws: WebSocketStream<S>,
    serializer: SerializerKind,
    info: StreamInfo,
    max_incoming: usize,
    max_outgoing: usize,
    keepalive: Option<Keepalive>,
) -> Transport {
    let details = TransportDetails {
        kind: info.kind(true),
        peer: info.peer,
        max_outgoing,
        max_incoming,
        channel_binding: info.channel_binding,
    };
    let (sink, stream) = WsFrames {
        inner: ws,
        serializer,
        keepalive: keepalive.map(KeepaliveTimer::new),
        done: false,
    }
    .split();
    Transport {
        sink: Box::pin(WsSink {
            inner: sink,
            serializer,
            limit: max_outgoing,
        }),
        stream: Box::pin(WsStream { inner: stream }),
        serializer,
        details,
    }
}

/// A WebSocket connection seen as WAMP frames, before splitting. Reading checks
/// the message type and, on a fatal error, tries to send a close frame.
struct WsFrames<S> {
    inner: WebSocketStream<S>,
    serializer: SerializerKind,
    keepalive: Option<KeepaliveTimer>,
    done: bool,
}

impl<S: ByteStream> WsFrames<S> {
    /// Queues a close frame and tries to flush it; errors are ignored, as the
    /// connection is failing anyway.
    fn close_best_effort(&mut self, cx: &mut Context<'_>, code: CloseCode, reason: &str) {
        // A close frame's payload is at most 125 bytes: 2 for the code, 123 for the reason.
        let mut end = reason.len().min(123);
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from(&reason[..end]),
        };
        if Pin::new(&mut self.inner)
            .start_send(Message::Close(Some(frame)))
            .is_ok()
        {
            let _ = Pin::new(&mut self.inner).poll_flush(cx);
        }
    }

    fn fail(
        &mut self,
        cx: &mut Context<'_>,
        code: CloseCode,
        error: TransportError,
    ) -> Poll<Option<Result<Bytes, TransportError>>> {
        tracing::debug!(%error, "WebSocket transport failed");
        self.done = true;
        self.close_best_effort(cx, code, &error.to_string());
        Poll::Ready(Some(Err(error)))
    }
}

impl<S: ByteStream> Stream for WsFrames<S> {
    type Item = Result<Bytes, TransportError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        loop {
            if let Some(keepalive) = this.keepalive.as_mut() {
                while let Poll::Ready(action) = keepalive.poll(cx) {
                    match action {
                        Action::Ping => {
                            let ping = Message::Ping(Bytes::new());
                            if Pin::new(&mut this.inner).start_send(ping).is_ok() {
                                let _ = Pin::new(&mut this.inner).poll_flush(cx);
                            }
                        }
                        Action::TimedOut => {
                            this.done = true;
                            return Poll::Ready(Some(Err(keepalive.timeout_error())));
                        }
                    }
                }
            }
            // Polling again after a ping lets tungstenite write and flush the pong.
            let message = match ready!(this.inner.poll_next_unpin(cx)) {
                None => {
                    this.done = true;
                    return Poll::Ready(None);
                }
                Some(Ok(message)) => {
                    if let Some(keepalive) = this.keepalive.as_mut() {
                        keepalive.seen();
                    }
                    message
                }
                Some(Err(e)) => {
                    let error = map_ws_error(e);
                    let code = match error {
                        TransportError::MessageTooLarge { .. } => CloseCode::Size,
                        TransportError::Framing(_) => CloseCode::Protocol,
                        _ => {
                            this.done = true;
                            return Poll::Ready(Some(Err(error)));
                        }
                    };
                    return this.fail(cx, code, error);
                }
            };
            match message {
                Message::Text(text) if this.serializer.is_text() => {
                    return Poll::Ready(Some(Ok(Bytes::from(text))));
                }
                Message::Binary(data) if !this.serializer.is_text() => {
                    return Poll::Ready(Some(Ok(data)));
                }
                Message::Text(_) | Message::Binary(_) => {
                    let (got, want) = if this.serializer.is_text() {
                        ("binary", "text")
                    } else {
                        ("text", "binary")
                    };
                    let error = TransportError::Framing(format!(
                        "received a {got} WebSocket message on a {} transport, which only carries {want} messages",
                        this.serializer.subprotocol()
                    ));
                    return this.fail(cx, CloseCode::Unsupported, error);
                }
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
                // tungstenite answers the close; the next read ends the stream.
                Message::Close(frame) => tracing::debug!(?frame, "WebSocket close received"),
            }
        }
    }
}

impl<S: ByteStream> Sink<Message> for WsFrames<S> {
    type Error = TransportError;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.inner)
            .poll_ready(cx)
            .map_err(map_ws_error)
    }

    fn start_send(mut self: Pin<&mut Self>, item: Message) -> Result<(), Self::Error> {
        Pin::new(&mut self.inner)
            .start_send(item)
            .map_err(map_ws_error)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.inner)
            .poll_flush(cx)
            .map_err(map_ws_error)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.inner)
            .poll_close(cx)
            .map_err(map_ws_error)
    }
}

/// The sending half of a WebSocket [`Transport`]: checks the size limit and
/// the frame type before a frame reaches the shared connection, so a refused
/// frame never poisons the batch being fed.
struct WsSink<S> {
    inner: SplitSink<WsFrames<S>, Message>,
    serializer: SerializerKind,
    limit: usize,
}

impl<S: ByteStream> Sink<Bytes> for WsSink<S> {
    type Error = TransportError;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.inner).poll_ready(cx)
    }

    fn start_send(mut self: Pin<&mut Self>, item: Bytes) -> Result<(), Self::Error> {
        let size = item.len();
        if self.limit != 0 && size > self.limit {
            return Err(TransportError::MessageTooLarge {
                size,
                limit: self.limit,
            });
        }
        let message = if self.serializer.is_text() {
            let text = Utf8Bytes::try_from(item).map_err(|e| {
                TransportError::Framing(format!(
                    "a JSON frame must be valid UTF-8 to go in a text message: {e}"
                ))
            })?;
            Message::Text(text)
        } else {
            Message::Binary(item)
        };
        Pin::new(&mut self.inner).start_send(message)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }
}

/// The receiving half of a WebSocket [`Transport`].
struct WsStream<S> {
    inner: SplitStream<WsFrames<S>>,
}

impl<S: ByteStream> Stream for WsStream<S> {
    type Item = Result<Bytes, TransportError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}
