//! A byte stream whose buffers exist only while they hold data, for the
//! WebSocket transport: an idle connection then keeps no buffer at all here.
//!
//! tungstenite keeps its read buffer for the life of a connection (zero-filled
//! to its full size on every read), so it gets a small one (see
//! `websocket::config`) and this stream below it reads the socket in big
//! chunks: a chunk goes to the stack first, what tungstenite cannot take at
//! once is kept on the heap until it does, and that allocation is freed as
//! soon as it is drained. Writes are collected in a buffer allocated on the
//! first write and freed once flushed; a write bigger than [`WRITE_BATCH`]
//! with nothing buffered goes straight to the socket. The buffer never holds
//! more than [`WRITE_BATCH`] bytes plus one write: beyond that, writes wait
//! for the socket (backpressure).

use std::io;
use std::mem::MaybeUninit;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::io::ByteStream;

/// Bytes read from the socket at once (on the stack).
const READ_CHUNK: usize = 16 * 1024;

/// Bytes buffered before writing to the socket, unless flushed earlier.
pub(super) const WRITE_BATCH: usize = 64 * 1024;

/// Capacity allocated on the first write after a flush.
const WRITE_INITIAL: usize = 8 * 1024;

/// A [`ByteStream`] with on-demand read and write buffers.
pub(super) struct Elastic<S> {
    inner: S,
    /// Read from the socket, not taken yet; no allocation when empty.
    read: Bytes,
    /// Written, not yet handed to the socket; no allocation after a flush.
    write: Vec<u8>,
    /// How much of `write` the socket already took.
    written: usize,
}

impl<S> Elastic<S> {
    /// Wraps `inner`, with no buffer allocated.
    pub(super) fn new(inner: S) -> Self {
        Self {
            inner,
            read: Bytes::new(),
            write: Vec::new(),
            written: 0,
        }
    }

    /// Bytes kept from reads, and the write buffer's capacity (for tests).
    #[cfg(test)]
    fn capacities(&self) -> (usize, usize) {
        (self.read.len(), self.write.capacity())
    }
}

impl<S: ByteStream> Elastic<S> {
    /// Hands the write buffer to the socket until it is empty, then frees it.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.write.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.write[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.write = Vec::new();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<S: ByteStream> AsyncRead for Elastic<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if !this.read.is_empty() {
            let n = dst.remaining().min(this.read.len());
            dst.put_slice(&this.read[..n]);
            this.read.advance(n);
            if this.read.is_empty() {
                this.read = Bytes::new();
            }
            return Poll::Ready(Ok(()));
        }
        if dst.remaining() >= READ_CHUNK {
            return Pin::new(&mut this.inner).poll_read(cx, dst);
        }
        let mut chunk = [MaybeUninit::<u8>::uninit(); READ_CHUNK];
        let mut chunk = ReadBuf::uninit(&mut chunk);
        ready!(Pin::new(&mut this.inner).poll_read(cx, &mut chunk))?;
        let filled = chunk.filled();
        let n = dst.remaining().min(filled.len());
        dst.put_slice(&filled[..n]);
        if n < filled.len() {
            this.read = Bytes::copy_from_slice(&filled[n..]);
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: ByteStream> AsyncWrite for Elastic<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.write.len() >= WRITE_BATCH {
            ready!(this.poll_drain(cx))?;
        }
        if this.write.is_empty() && data.len() >= WRITE_BATCH {
            return Pin::new(&mut this.inner).poll_write(cx, data);
        }
        if this.write.capacity() == 0 {
            this.write.reserve(WRITE_INITIAL.max(data.len()));
        }
        this.write.extend_from_slice(data);
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_drain(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_drain(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl<S: ByteStream> ByteStream for Elastic<S> {
    fn peer_addr(&self) -> Option<SocketAddr> {
        self.inner.peer_addr()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }

    fn channel_binding(&self) -> Option<Bytes> {
        self.inner.channel_binding()
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};

    use super::*;

    #[tokio::test]
    async fn small_reads_keep_the_rest_until_drained_then_free_it() {
        let (mut peer, ours) = duplex(1 << 20);
        let mut ours = Elastic::new(ours);
        let sent: Vec<u8> = (0..40_000u32).map(|i| i as u8).collect();
        peer.write_all(&sent).await.unwrap();
        let mut got = Vec::new();
        let mut small = [0u8; 1000];
        while got.len() < sent.len() {
            let n = ours.read(&mut small).await.unwrap();
            assert!(n > 0);
            got.extend_from_slice(&small[..n]);
            // Never more than one chunk kept beside the reader.
            assert!(ours.capacities().0 < READ_CHUNK);
        }
        assert_eq!(got, sent);
        assert_eq!(ours.capacities(), (0, 0));
    }

    #[tokio::test]
    async fn writes_are_buffered_until_flushed_then_the_buffer_is_freed() {
        let (mut peer, ours) = duplex(1 << 20);
        let mut ours = Elastic::new(ours);
        ours.write_all(b"hello ").await.unwrap();
        ours.write_all(b"world").await.unwrap();
        assert!(ours.capacities().1 >= WRITE_INITIAL);
        ours.flush().await.unwrap();
        assert_eq!(ours.capacities(), (0, 0));
        let mut got = [0u8; 11];
        peer.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"hello world");
    }

    #[tokio::test]
    async fn a_stalled_socket_holds_writes_back_beyond_one_batch() {
        let (mut peer, ours) = duplex(4096);
        let mut ours = Elastic::new(ours);
        let block = vec![7u8; 1000];
        let mut accepted = 0usize;
        // The peer does not read: writes stop being accepted past a batch.
        loop {
            let write = ours.write(&block);
            match tokio::time::timeout(std::time::Duration::from_millis(100), write).await {
                Ok(n) => accepted += n.unwrap(),
                Err(_) => break,
            }
            assert!(accepted <= WRITE_BATCH + 4096 + block.len(), "{accepted}");
        }
        assert!(accepted >= WRITE_BATCH);
        // Everything accepted arrives once the peer reads.
        let reader = tokio::spawn(async move {
            let mut all = Vec::new();
            peer.read_to_end(&mut all).await.unwrap();
            all.len()
        });
        ours.shutdown().await.unwrap();
        drop(ours);
        assert_eq!(reader.await.unwrap(), accepted);
    }
}
