//! The router's small HTTP/1.1 listeners on hyper (the live API docs and the
//! admin endpoints), with one set of limits.
//!
//! Every connection serves one request and closes. The request head must
//! arrive within [`HEADER_READ_TIMEOUT`] and fit in [`MAX_HEAD`] bytes; a
//! request that is not a `GET` or has a body is refused
//! ([`refuse_unless_get_without_body`]); a connection lives at most
//! [`CONNECTION_TIMEOUT`]; at most [`MAX_CONNECTIONS`] are open at once, and
//! more are closed as soon as they are accepted. The listener stops when the
//! router shuts down, and open connections get [`SHUTDOWN_GRACE`] to finish.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Body, Incoming};
use hyper::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};

use super::switch::Switch;

/// Time allowed for the whole request head.
pub(super) const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Time a connection may stay open, request and response included.
pub(super) const CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);

/// Largest request head (request line and headers); hyper's smallest buffer.
pub(super) const MAX_HEAD: usize = 8 * 1024;

/// Most headers in one request.
pub(super) const MAX_HEADERS: usize = 32;

/// Connections served at once; more are closed at once.
pub(super) const MAX_CONNECTIONS: usize = 64;

/// Time open connections get to finish when the router shuts down.
pub(super) const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// Plain text.
pub(super) const TEXT: &str = "text/plain; charset=utf-8";

/// A reply.
pub(super) type Reply = Response<Full<Bytes>>;

/// A reply of `status` with `body`, never cached.
pub(super) fn response(status: StatusCode, content_type: &'static str, body: String) -> Reply {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The refusal of a request that is not a `GET` (405) or carries a body
/// (413, saying "`what` has no body"); `None` for a `GET` without a body.
pub(super) fn refuse_unless_get_without_body(
    request: &Request<Incoming>,
    what: &str,
) -> Option<Reply> {
    if request.method() != Method::GET {
        let mut refusal = response(StatusCode::METHOD_NOT_ALLOWED, TEXT, "GET only\n".into());
        refusal
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET"));
        return Some(refusal);
    }
    if request.body().size_hint().upper() != Some(0) {
        return Some(response(
            StatusCode::PAYLOAD_TOO_LARGE,
            TEXT,
            format!("{what} has no body\n"),
        ));
    }
    None
}

/// Serves one connection within the limits, until it closes or the router
/// shuts down.
async fn connection<H>(
    handle: Arc<H>,
    shutdown: Switch,
    name: &'static str,
    tcp: TcpStream,
    peer: SocketAddr,
) where
    H: Fn(&Request<Incoming>) -> Reply + Send + Sync + 'static,
{
    let service = service_fn(move |request| {
        let reply = handle(&request);
        async move { Ok::<_, Infallible>(reply) }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_buf_size(MAX_HEAD)
        .max_headers(MAX_HEADERS)
        .keep_alive(false);
    let conn = builder.serve_connection(TokioIo::new(tcp), service);
    tokio::pin!(conn);
    let outcome = tokio::select! {
        r = conn.as_mut() => r,
        () = tokio::time::sleep(CONNECTION_TIMEOUT) => {
            tracing::debug!(%peer, "{name} connection cut after {CONNECTION_TIMEOUT:?}");
            return;
        }
        () = shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            match tokio::time::timeout(SHUTDOWN_GRACE, conn).await {
                Ok(r) => r,
                Err(_) => return,
            }
        }
    };
    if let Err(e) = outcome {
        tracing::debug!(%peer, error = %e, "{name} request failed");
    }
}

/// Accepts connections on `listener` and answers each request with `handle`
/// until `shutdown`; `name` ("docs", "admin") names the listener in logs.
pub(super) fn spawn<H>(listener: TcpListener, shutdown: Switch, name: &'static str, handle: H)
where
    H: Fn(&Request<Incoming>) -> Reply + Send + Sync + 'static,
{
    let handle = Arc::new(handle);
    let open = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                () = shutdown.cancelled() => break,
            };
            match accepted {
                Ok((tcp, peer)) => {
                    let Ok(place) = open.clone().try_acquire_owned() else {
                        tracing::debug!(%peer, "{name} connection closed at once: {MAX_CONNECTIONS} already open");
                        drop(tcp);
                        continue;
                    };
                    let (handle, shutdown) = (handle.clone(), shutdown.clone());
                    tokio::spawn(async move {
                        connection(handle, shutdown, name, tcp, peer).await;
                        drop(place);
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "{name} accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    });
}
