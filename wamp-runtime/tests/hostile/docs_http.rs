//! The live docs HTTP endpoint under abuse: a slowloris client is cut off at
//! the header read timeout (5 s), an oversize request head and a request with
//! a body are refused, and at most 64 connections are served at once.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wamp::router::{RealmConfig, Router};

async fn docs() -> (Router, std::net::SocketAddr) {
    let router = Router::builder().realm(RealmConfig::open("realm1")).build();
    let addr = router.serve_docs("127.0.0.1:0").await.unwrap();
    (router, addr)
}

/// Everything the server sends until it closes, or `None` if it has not
/// closed within `within`.
async fn read_to_close(tcp: &mut TcpStream, within: Duration) -> Option<String> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline.into(), tcp.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&all).into_owned()),
            Ok(Ok(n)) => all.extend_from_slice(&buf[..n]),
        }
    }
}

async fn request(addr: std::net::SocketAddr, raw: &[u8]) -> String {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(raw).await.unwrap();
    read_to_close(&mut tcp, Duration::from_secs(5))
        .await
        .expect("the server answers and closes")
}

#[tokio::test]
async fn a_healthy_request_is_served() {
    let (_router, addr) = docs().await;
    let reply = request(
        addr,
        b"GET /realm1/catalog.json HTTP/1.1\r\nHost: x\r\n\r\n",
    )
    .await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}

#[tokio::test]
async fn a_slowloris_client_is_cut_off() {
    let (_router, addr) = docs().await;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"GET /realm1/ HTTP/1.1\r\n").await.unwrap();
    let start = Instant::now();
    // One header byte every 200 ms, never finishing the head.
    let cut = loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if tcp.write_all(b"X").await.is_err() {
            break start.elapsed();
        }
        let mut probe = [0u8; 512];
        match tokio::time::timeout(Duration::from_millis(1), tcp.read(&mut probe)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break start.elapsed(),
            Ok(Ok(_)) => break start.elapsed(), // an error response, then close
            Err(_) => {}
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "still open after 10 s"
        );
    };
    assert!(cut < Duration::from_secs(8), "cut after {cut:?}");
}

#[tokio::test]
async fn an_oversize_request_head_is_refused() {
    let (_router, addr) = docs().await;
    let mut raw = b"GET /realm1/ HTTP/1.1\r\nHost: x\r\n".to_vec();
    for i in 0..200 {
        raw.extend_from_slice(format!("X-Filler-{i}: {}\r\n", "a".repeat(100)).as_bytes());
    }
    raw.extend_from_slice(b"\r\n");
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let _ = tcp.write_all(&raw).await;
    let reply = read_to_close(&mut tcp, Duration::from_secs(5))
        .await
        .expect("closed");
    assert!(!reply.contains(" 200 "), "{reply}");
    assert!(
        reply.is_empty() || reply.starts_with("HTTP/1.1 431"),
        "{reply}"
    );
}

#[tokio::test]
async fn a_request_with_a_body_is_refused() {
    let (_router, addr) = docs().await;
    let reply = request(
        addr,
        b"GET /realm1/ HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    )
    .await;
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    let reply = request(
        addr,
        b"POST /realm1/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    )
    .await;
    assert!(reply.starts_with("HTTP/1.1 405"), "{reply}");
}

#[tokio::test]
async fn connections_beyond_the_bound_are_closed_at_once() {
    let (_router, addr) = docs().await;
    let mut idle = Vec::new();
    for _ in 0..64 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut over = TcpStream::connect(addr).await.unwrap();
    let reply = read_to_close(&mut over, Duration::from_secs(1)).await;
    assert_eq!(
        reply.as_deref(),
        Some(""),
        "closed at once, without an answer"
    );
    // Once the idle ones are cut off (header read timeout), requests are served again.
    drop(idle);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let reply = request(addr, b"GET /realm1/catalog.md HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}
