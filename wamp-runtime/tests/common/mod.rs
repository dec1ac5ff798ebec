//! Helpers shared by the transport integration tests.
#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use wamp::transport::{Transport, TransportError};

/// Fails a test that hangs instead of hanging CI.
pub(crate) async fn timeout<T>(fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), fut)
        .await
        .expect("test step timed out")
}

/// Binds a listener on 127.0.0.1 with an ephemeral port.
pub(crate) async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// Accepts one TCP connection and runs `server` on it in a task.
pub(crate) async fn serve_one<F, Fut, T>(server: F) -> (SocketAddr, JoinHandle<T>)
where
    F: FnOnce(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let (listener, addr) = listener().await;
    let handle = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        server(tcp).await
    });
    (addr, handle)
}

/// Sends one frame and flushes.
pub(crate) async fn send(t: &mut Transport, frame: &[u8]) -> Result<(), TransportError> {
    t.sink.send(Bytes::copy_from_slice(frame)).await
}

/// Receives one frame, failing the test on end of stream.
pub(crate) async fn recv(t: &mut Transport) -> Result<Bytes, TransportError> {
    timeout(t.stream.next()).await.expect("stream ended")
}

/// Checks frames go both ways.
pub(crate) async fn round_trip(a: &mut Transport, b: &mut Transport, frame: &[u8]) {
    send(a, frame).await.unwrap();
    assert_eq!(&recv(b).await.unwrap()[..], frame);
    send(b, frame).await.unwrap();
    assert_eq!(&recv(a).await.unwrap()[..], frame);
}
