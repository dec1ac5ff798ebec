//! An established WebSocket connection as a [`Transport`] of whole WAMP
//! frames: message types checked against the serializer, size limits, close
//! frames on fatal errors, keepalive pings, and the close handshake.
//!
//! Close codes (RFC 6455 7.4.1): closing the sink sends the [`CloseCode`] the
//! session layer set (1000 unless told otherwise); reading answers a framing
//! error with 1002, invalid UTF-8 in a text message with 1007, a message of
//! the wrong type with 1003, an oversized one with 1009. A close frame from
//! the peer with a code is echoed (tungstenite does that); one *without* a
//! code is answered with 1000, as Autobahn|Python and Crossbar do, because
//! peers such as autobahn-js on node read an echoed empty close as 1005
//! ("no status") and report the connection as lost instead of closed.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{Sink, Stream, StreamExt};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode as WsCode;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use super::error::map_ws_error;
use crate::serializer::SerializerKind;
use crate::transport::io::{ByteStream, StreamInfo};
use crate::transport::keepalive::{Action, KeepaliveTimer};
use crate::transport::{
    CloseCode, Keepalive, Transport, TransportDetails, TransportError, WriteFrames,
};

/// The [`Transport`] of an established connection, with the limits and
/// keepalive settings of this end.
pub(super) fn transport<S: ByteStream>(
    ws: WebSocketStream<S>,
    server: bool,
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
        server,
        sent_close: false,
        reply: None,
    }
    .split();
    Transport {
        sink: Box::pin(WsSink {
            inner: sink,
            serializer,
            limit: max_outgoing,
            close_code: CloseCode::Normal,
            close_queued: false,
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
    /// Whether this end is the server (its frames are not masked).
    server: bool,
    /// Whether this end sent a close frame (a close read next is the reply).
    sent_close: bool,
    /// The 1000 close frame answering a peer's close without a code, while
    /// it is being written: the connection is then over for tungstenite.
    reply: Option<RawReply>,
}

/// A close frame written to the byte stream under tungstenite, and how much
/// of it is out.
struct RawReply {
    frame: Vec<u8>,
    written: usize,
}

impl RawReply {
    /// The close frame with code 1000 and no reason, masked when a client sends it.
    fn normal(server: bool) -> Self {
        let code = CloseCode::Normal.code().to_be_bytes();
        let frame = if server {
            vec![0x88, 0x02, code[0], code[1]]
        } else {
            let mask: [u8; 4] = rand::random();
            vec![
                0x88,
                0x82,
                mask[0],
                mask[1],
                mask[2],
                mask[3],
                code[0] ^ mask[0],
                code[1] ^ mask[1],
            ]
        };
        Self { frame, written: 0 }
    }
}

impl<S: ByteStream> WsFrames<S> {
    /// Writes the pending close reply, then shuts the byte stream down.
    /// Ready (with any I/O error ignored: the connection is over) when done.
    fn poll_reply(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(reply) = self.reply.as_mut() else {
            return Poll::Ready(());
        };
        let io = self.inner.get_mut();
        while reply.written < reply.frame.len() {
            match ready!(Pin::new(&mut *io).poll_write(cx, &reply.frame[reply.written..])) {
                Ok(n) if n > 0 => reply.written += n,
                _ => {
                    reply.written = reply.frame.len();
                    return Poll::Ready(());
                }
            }
        }
        let _ = ready!(Pin::new(&mut *io).poll_flush(cx));
        let _ = ready!(Pin::new(&mut *io).poll_shutdown(cx));
        Poll::Ready(())
    }

    /// Queues a close frame and tries to flush it; errors are ignored, as the
    /// connection is failing anyway.
    fn close_best_effort(&mut self, cx: &mut Context<'_>, code: WsCode, reason: &str) {
        // A close frame's payload is at most 125 bytes: 2 for the code, 123 for the reason.
        let mut end = reason.len().min(123);
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from(&reason[..end]),
        };
        self.sent_close = true;
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
        code: WsCode,
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
        if this.reply.is_some() {
            ready!(this.poll_reply(cx));
            this.done = true;
        }
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
                        TransportError::MessageTooLarge { .. } => WsCode::Size,
                        TransportError::Framing(_) if invalid_data => WsCode::Invalid,
                        TransportError::Framing(_) => WsCode::Protocol,
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
                    return this.fail(cx, WsCode::Unsupported, error);
                }
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
                // The peer closes without a code: answer 1000 ourselves, as
                // tungstenite would echo the empty close (read as 1005).
                Message::Close(None) if !this.sent_close => {
                    tracing::debug!("WebSocket close without a code received; answering 1000");
                    this.reply = Some(RawReply::normal(this.server));
                    ready!(this.poll_reply(cx));
                    this.done = true;
                    return Poll::Ready(None);
                }
                // tungstenite echoes a close with a code; the next read ends the stream.
                Message::Close(frame) => tracing::debug!(?frame, "WebSocket close received"),
            }
        }
    }
}

impl<S: ByteStream> Sink<Message> for WsFrames<S> {
    type Error = TransportError;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        if self.reply.is_some() {
            return Poll::Ready(Err(TransportError::Closed));
        }
        Pin::new(&mut self.inner)
            .poll_ready(cx)
            .map_err(map_ws_error)
    }

    fn start_send(mut self: Pin<&mut Self>, item: Message) -> Result<(), Self::Error> {
        if self.reply.is_some() {
            return Err(TransportError::Closed);
        }
        if let Message::Close(_) = item {
            // Best effort: after the peer's close tungstenite refuses ours
            // (its reply is already queued), which is no error.
            self.sent_close = true;
            let _ = Pin::new(&mut self.inner).start_send(item);
            return Ok(());
        }
        Pin::new(&mut self.inner)
            .start_send(item)
            .map_err(map_ws_error)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        if self.reply.is_some() {
            ready!(self.poll_reply(cx));
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner)
            .poll_flush(cx)
            .map_err(map_ws_error)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        if self.reply.is_some() {
            ready!(self.poll_reply(cx));
            return Poll::Ready(Ok(()));
        }
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
    /// The code of the close frame sent on close.
    close_code: CloseCode,
    /// Whether the close frame was handed on.
    close_queued: bool,
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
        if !self.close_queued {
            // A failed connection still gets closed below, which reports the error.
            if ready!(Pin::new(&mut self.inner).poll_ready(cx)).is_ok() {
                let frame = CloseFrame {
                    code: WsCode::from(self.close_code.code()),
                    reason: Utf8Bytes::default(),
                };
                let _ = Pin::new(&mut self.inner).start_send(Message::Close(Some(frame)));
            }
            self.close_queued = true;
        }
        Pin::new(&mut self.inner).poll_close(cx)
    }
}

impl<S: ByteStream> WriteFrames for WsSink<S> {
    fn set_close_code(mut self: Pin<&mut Self>, code: CloseCode) {
        self.close_code = code;
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
