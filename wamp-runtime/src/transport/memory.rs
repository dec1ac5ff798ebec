//! An in-memory transport pair on bounded tokio channels, for tests and
//! in-process peers.
//!
//! `feed` hands a frame to the channel as soon as there is room, and `flush` has
//! nothing left to do, so batching works as with sockets. Closing (or dropping)
//! one side's sink ends the other side's stream.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::{Sink, Stream};
use tokio::sync::mpsc;
use tokio_util::sync::PollSender;

use super::{CloseCode, Transport, TransportDetails, TransportError, TransportKind, WriteFrames};
use crate::serializer::SerializerKind;

/// Two connected in-memory transports: frames sent on one are received on the
/// other. `capacity` is the number of frames each direction buffers (at least 1).
pub fn pair(serializer: SerializerKind, capacity: usize) -> (Transport, Transport) {
    let capacity = capacity.max(1);
    let (a_tx, b_rx) = mpsc::channel(capacity);
    let (b_tx, a_rx) = mpsc::channel(capacity);
    (end(serializer, a_tx, a_rx), end(serializer, b_tx, b_rx))
}

fn end(
    serializer: SerializerKind,
    tx: mpsc::Sender<Bytes>,
    rx: mpsc::Receiver<Bytes>,
) -> Transport {
    Transport {
        sink: Box::pin(MemorySink {
            inner: PollSender::new(tx),
        }),
        stream: Box::pin(MemoryStream { inner: rx }),
        serializer,
        details: TransportDetails {
            kind: TransportKind::Memory,
            peer: None,
            max_outgoing: 0,
            max_incoming: 0,
            channel_binding: None,
        },
    }
}

/// Sending half of an in-memory transport.
struct MemorySink {
    inner: PollSender<Bytes>,
}

impl Sink<Bytes> for MemorySink {
    type Error = TransportError;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner
            .poll_reserve(cx)
            .map_err(|_| TransportError::Closed)
    }

    fn start_send(mut self: Pin<&mut Self>, item: Bytes) -> Result<(), Self::Error> {
        self.inner
            .send_item(item)
            .map_err(|_| TransportError::Closed)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Result<(), Self::Error>> {
        self.inner.close();
        Poll::Ready(Ok(()))
    }
}

/// The in-memory transport has no close codes.
impl WriteFrames for MemorySink {
    fn set_close_code(self: Pin<&mut Self>, _code: CloseCode) {}
}

/// Receiving half of an in-memory transport.
struct MemoryStream {
    inner: mpsc::Receiver<Bytes>,
}

impl Stream for MemoryStream {
    type Item = Result<Bytes, TransportError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_recv(cx).map(|frame| frame.map(Ok))
    }
}

#[cfg(test)]
mod tests {
    use futures_util::{SinkExt, StreamExt};

    use super::*;

    #[tokio::test]
    async fn round_trip_batching_and_close() {
        let (mut a, mut b) = pair(SerializerKind::Json, 4);
        assert_eq!(a.details.kind, TransportKind::Memory);
        a.sink.send(Bytes::from_static(b"[1]")).await.unwrap();
        assert_eq!(
            b.stream.next().await.unwrap().unwrap(),
            Bytes::from_static(b"[1]")
        );
        b.sink.send(Bytes::from_static(b"[2]")).await.unwrap();
        assert_eq!(
            a.stream.next().await.unwrap().unwrap(),
            Bytes::from_static(b"[2]")
        );

        // More frames than the capacity: feed waits for room while the peer reads.
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(frame) = b.stream.next().await {
                got.push(frame.unwrap());
            }
            (b, got)
        });
        for i in 0..100u8 {
            a.sink.feed(Bytes::from(vec![i])).await.unwrap();
        }
        a.sink.flush().await.unwrap();
        a.sink.close().await.unwrap();
        let (mut b, got) = reader.await.unwrap();
        assert_eq!(
            got,
            (0..100u8).map(|i| Bytes::from(vec![i])).collect::<Vec<_>>()
        );
        assert!(
            a.sink.send(Bytes::new()).await.is_err(),
            "a closed sink refuses frames"
        );

        // Dropping a side ends the other side's stream and fails its sink.
        drop(a);
        assert!(matches!(
            b.sink.send(Bytes::from_static(b"x")).await,
            Err(TransportError::Closed)
        ));
    }
}
