//! An established WebSocket connection as a [`Transport`] of whole WAMP
//! frames: message types checked against the serializer, size limits, close
//! frames on fatal errors, keepalive pings.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{Sink, Stream, StreamExt};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use super::error::map_ws_error;
use crate::serializer::SerializerKind;
use crate::transport::io::{ByteStream, StreamInfo};
use crate::transport::keepalive::{Action, KeepaliveTimer};
use crate::transport::{Keepalive, Transport, TransportDetails, TransportError};

/// The [`Transport`] of an established connection, with the limits and
/// keepalive settings of this end.
pub(super) fn transport<S: ByteStream>(
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
                    // RFC 6455 7.4.1: 1007 for a text message that is not UTF-8.
                    let invalid_data = matches!(e, tokio_tungstenite::tungstenite::Error::Utf8(_));
                    let error = map_ws_error(e);
                    let code = match error {
                        TransportError::MessageTooLarge { .. } => CloseCode::Size,
                        TransportError::Framing(_) if invalid_data => CloseCode::Invalid,
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
