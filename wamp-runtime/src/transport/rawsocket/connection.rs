//! An established RawSocket connection: frames in and out, PINGs answered.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{Sink, Stream, StreamExt};
use tokio_util::codec::Framed;

use super::codec::{Frame, FrameType, RawSocketCodec};
use crate::serializer::SerializerKind;
use crate::transport::io::{ByteStream, StreamInfo};
use crate::transport::keepalive::{Action, KeepaliveTimer};
use crate::transport::{
    CloseCode, Keepalive, Transport, TransportDetails, TransportError, WriteFrames,
};

/// Write buffer size above which `feed` starts writing to the socket.
const WRITE_BATCH: usize = 64 * 1024;

/// Read buffer capacity allocated for a read when there is none. The read
/// buffer is freed whenever it is empty and the socket has nothing more, so
/// an idle connection holds no read buffer (a bigger frame grows it as
/// needed, and its capacity goes with it).
const READ_BUFFER: usize = 8 * 1024;

/// PINGs whose PONG could not be written yet, before the peer is considered abusive.
const MAX_PENDING_PONGS: usize = 64;

/// An established RawSocket connection after a successful handshake.
///
/// As a [`Stream`] it yields message and PONG frames; each incoming PING is
/// answered with exactly one PONG echoing its payload, written from the reading
/// side so it goes out even when nobody writes. As a [`Sink`] it takes frames of
/// any type; message frames above the peer's limit are refused with
/// [`TransportError::MessageTooLarge`] and the connection stays usable.
/// [`into_transport`](Self::into_transport) makes it a [`Transport`].
pub(super) struct RawSocket<S> {
    framed: Framed<S, RawSocketCodec>,
    serializer: SerializerKind,
    details: TransportDetails,
    /// PONGs (and keepalive PINGs) waiting for room in the write buffer.
    pending_control: VecDeque<Frame>,
    control_unflushed: bool,
    keepalive: Option<KeepaliveTimer>,
    /// Keepalive settings that start only once the peer sends a PING (it
    /// then understands them; some RawSocket peers read a PING as the
    /// header of a 16 MiB message).
    keepalive_after_ping: Option<Keepalive>,
    done: bool,
}

impl<S> std::fmt::Debug for RawSocket<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawSocket")
            .field("serializer", &self.serializer)
            .field("details", &self.details)
            .finish_non_exhaustive()
    }
}

impl<S: ByteStream> RawSocket<S> {
    pub(super) fn new(
        stream: S,
        serializer: SerializerKind,
        info: StreamInfo,
        max_incoming: usize,
        max_outgoing: usize,
        keepalive: Option<Keepalive>,
    ) -> Self {
        let codec = RawSocketCodec::new(max_incoming);
        let details = TransportDetails {
            kind: info.kind(false),
            peer: info.peer,
            max_outgoing,
            max_incoming: codec.max_incoming(),
            channel_binding: info.channel_binding,
        };
        // No buffer until there is something to read or write.
        let mut framed = Framed::with_capacity(stream, codec, 0);
        *framed.write_buffer_mut() = BytesMut::new();
        framed.set_backpressure_boundary(WRITE_BATCH);
        Self {
            framed,
            serializer,
            details,
            pending_control: VecDeque::new(),
            control_unflushed: false,
            keepalive: keepalive.map(KeepaliveTimer::new),
            keepalive_after_ping: None,
            done: false,
        }
    }

    /// With keepalive on, sends one PING at once: a server that pings only
    /// peers that pinged (ours) then checks this connection from the start.
    pub(super) fn announce_keepalive(mut self) -> Self {
        if self.keepalive.is_some() {
            self.pending_control.push_back(Frame::ping(Bytes::new()));
        }
        self
    }

    /// Pings the peer with `keepalive` only after it sent a PING itself.
    pub(super) fn keepalive_after_ping(mut self, keepalive: Option<Keepalive>) -> Self {
        self.keepalive_after_ping = keepalive;
        self
    }

    /// Turns the connection into a [`Transport`] of WAMP messages. PONGs are
    /// dropped; PINGs are still answered.
    pub(super) fn into_transport(self) -> Transport {
        let serializer = self.serializer;
        let details = self.details.clone();
        let limit = details.max_outgoing;
        let (sink, stream) = self.split();
        Transport {
            sink: Box::pin(MessageSink { inner: sink, limit }),
            stream: Box::pin(MessageStream { inner: stream }),
            serializer,
            details,
        }
    }

    /// Runs the keepalive timer, then writes and flushes queued control
    /// frames; `Err` on a socket error or a keepalive timeout.
    fn poll_control(&mut self, cx: &mut Context<'_>) -> Result<(), TransportError> {
        if let Some(keepalive) = self.keepalive.as_mut() {
            while let Poll::Ready(action) = keepalive.poll(cx) {
                match action {
                    Action::Ping => self.pending_control.push_back(Frame::ping(Bytes::new())),
                    Action::TimedOut => return Err(keepalive.timeout_error()),
                }
            }
        }
        while !self.pending_control.is_empty() {
            match Pin::new(&mut self.framed).poll_ready(cx) {
                Poll::Ready(Ok(())) => {
                    if let Some(frame) = self.pending_control.pop_front() {
                        Pin::new(&mut self.framed).start_send(frame)?;
                        self.control_unflushed = true;
                    }
                }
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => break,
            }
        }
        if self.control_unflushed {
            match Pin::new(&mut self.framed).poll_flush(cx) {
                Poll::Ready(Ok(())) => {
                    self.control_unflushed = false;
                    self.release_write_buffer();
                }
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => {}
            }
        }
        Ok(())
    }

    /// The capacities of the read and write buffers (for tests).
    #[cfg(test)]
    pub(super) fn buffer_capacities(&self) -> (usize, usize) {
        (
            self.framed.read_buffer().capacity(),
            self.framed.write_buffer().capacity(),
        )
    }

    /// Frees the write buffer once everything in it is written.
    fn release_write_buffer(&mut self) {
        let buffer = self.framed.write_buffer_mut();
        if buffer.is_empty() && buffer.capacity() > 0 {
            *buffer = BytesMut::new();
        }
    }

    /// Polls the framed stream with a read buffer allocated for the read,
    /// and frees the buffer when the socket has nothing more and nothing is
    /// left in it.
    fn poll_frame(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Frame, TransportError>>> {
        let buffer = self.framed.read_buffer_mut();
        if buffer.capacity() == 0 {
            buffer.reserve(READ_BUFFER);
        }
        let polled = Pin::new(&mut self.framed).poll_next(cx);
        if polled.is_pending() {
            let buffer = self.framed.read_buffer_mut();
            if buffer.is_empty() {
                *buffer = BytesMut::new();
            }
        }
        polled
    }
}

impl<S: ByteStream> Stream for RawSocket<S> {
    type Item = Result<Frame, TransportError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        loop {
            if let Err(e) = this.poll_control(cx) {
                this.done = true;
                return Poll::Ready(Some(Err(e)));
            }
            match ready!(this.poll_frame(cx)) {
                None => {
                    this.done = true;
                    return Poll::Ready(None);
                }
                Some(Err(e)) => {
                    this.done = true;
                    tracing::debug!(error = %e, "RawSocket read failed");
                    return Poll::Ready(Some(Err(e)));
                }
                Some(Ok(frame)) if frame.kind == FrameType::Ping => {
                    if let Some(settings) = this.keepalive_after_ping.take() {
                        tracing::debug!("RawSocket peer pings: keepalive pings start");
                        this.keepalive = Some(KeepaliveTimer::new(settings));
                    }
                    if let Some(keepalive) = this.keepalive.as_mut() {
                        keepalive.seen();
                    }
                    if this.pending_control.len() >= MAX_PENDING_PONGS {
                        this.done = true;
                        return Poll::Ready(Some(Err(TransportError::Framing(format!(
                            "peer sent more than {MAX_PENDING_PONGS} PINGs without reading our PONGs"
                        )))));
                    }
                    tracing::trace!(len = frame.payload.len(), "RawSocket PING received");
                    this.pending_control.push_back(Frame::pong(frame.payload));
                }
                Some(Ok(frame)) => {
                    if let Some(keepalive) = this.keepalive.as_mut() {
                        keepalive.seen();
                    }
                    return Poll::Ready(Some(Ok(frame)));
                }
            }
        }
    }
}

fn check_outgoing(frame: &Frame, limit: usize) -> Result<(), TransportError> {
    let size = frame.payload.len();
    if frame.kind == FrameType::Message && limit != 0 && size > limit {
        return Err(TransportError::MessageTooLarge { size, limit });
    }
    Ok(())
}

impl<S: ByteStream> Sink<Frame> for RawSocket<S> {
    type Error = TransportError;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.framed).poll_ready(cx)
    }

    fn start_send(mut self: Pin<&mut Self>, frame: Frame) -> Result<(), Self::Error> {
        check_outgoing(&frame, self.details.max_outgoing)?;
        Pin::new(&mut self.framed).start_send(frame)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        ready!(Pin::new(&mut self.framed).poll_flush(cx))?;
        self.release_write_buffer();
        Poll::Ready(Ok(()))
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.framed).poll_close(cx)
    }
}

/// The sending half of a RawSocket [`Transport`]: checks the peer's limit
/// before a frame reaches the shared connection, so a refused frame never
/// poisons the batch being fed.
struct MessageSink<S> {
    inner: SplitSink<RawSocket<S>, Frame>,
    limit: usize,
}

impl<S: ByteStream> Sink<Bytes> for MessageSink<S> {
    type Error = TransportError;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.inner).poll_ready(cx)
    }

    fn start_send(mut self: Pin<&mut Self>, item: Bytes) -> Result<(), Self::Error> {
        let frame = Frame::message(item);
        check_outgoing(&frame, self.limit)?;
        Pin::new(&mut self.inner).start_send(frame)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }
}

/// RawSocket has no close codes: closing just ends the byte stream.
impl<S: ByteStream> WriteFrames for MessageSink<S> {
    fn set_close_code(self: Pin<&mut Self>, _code: CloseCode) {}
}

/// The receiving half of a RawSocket [`Transport`]: WAMP messages only.
struct MessageStream<S> {
    inner: SplitStream<RawSocket<S>>,
}

impl<S: ByteStream> Stream for MessageStream<S> {
    type Item = Result<Bytes, TransportError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match ready!(self.inner.poll_next_unpin(cx)) {
                Some(Ok(frame)) if frame.kind == FrameType::Pong => {
                    tracing::trace!(len = frame.payload.len(), "RawSocket PONG received");
                }
                Some(Ok(frame)) => return Poll::Ready(Some(Ok(frame.payload))),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            }
        }
    }
}
