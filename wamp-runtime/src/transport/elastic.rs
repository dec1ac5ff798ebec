//! A byte stream whose read buffer exists only while it holds data, for the
//! WebSocket transport: an idle connection then keeps no read buffer here.
//!
//! tungstenite keeps its read buffer for the life of a connection (zero-filled
//! to its full size on every read), so it gets a small one (see
//! `websocket::config`) and this stream below it reads the socket in big
//! chunks: a chunk goes to the stack first, what tungstenite cannot take at
//! once is kept on the heap until it does, and that allocation is freed as
//! soon as it is drained. Writes go straight through: tungstenite's own
//! write buffer batches them, and its closing handshake relies on its writes
//! reaching the socket (a close reply written as the connection terminates
//! is never flushed again).

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

/// A [`ByteStream`] with an on-demand read buffer.
pub(super) struct Elastic<S> {
    inner: S,
    /// Read from the socket, not taken yet; no allocation when empty.
    read: Bytes,
}

impl<S> Elastic<S> {
    /// Wraps `inner`, with no buffer allocated.
    pub(super) fn new(inner: S) -> Self {
        Self {
            inner,
            read: Bytes::new(),
        }
    }

    /// Bytes read from the socket and kept for the reader (for tests).
    #[cfg(test)]
    fn kept(&self) -> usize {
        self.read.len()
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
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
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
            assert!(ours.kept() < READ_CHUNK);
        }
        assert_eq!(got, sent);
        assert_eq!(ours.kept(), 0);
    }

    #[tokio::test]
    async fn writes_go_straight_through() {
        let (mut peer, ours) = duplex(1 << 20);
        let mut ours = Elastic::new(ours);
        ours.write_all(b"hello world").await.unwrap();
        // Not flushed: the peer gets it all the same.
        let mut got = [0u8; 11];
        let read = peer.read_exact(&mut got);
        tokio::time::timeout(std::time::Duration::from_secs(5), read)
            .await
            .expect("the write was held back")
            .unwrap();
        assert_eq!(&got, b"hello world");
    }
}
