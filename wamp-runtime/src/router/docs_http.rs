//! The live API docs of a realm over HTTP/1.1 (hyper): `GET /<realm>/` is the
//! HTML page of what the realm's sessions registered and subscribed (from the
//! schemas sent with REGISTER/SUBSCRIBE), `/<realm>/catalog.json`,
//! `/<realm>/catalog.md` and `/<realm>/asyncapi.json` the other formats.
//!
//! Every connection serves one request and closes. The request head must
//! arrive within [`HEADER_READ_TIMEOUT`] and fit in [`MAX_HEAD`] bytes; a
//! request with a body is refused; a connection lives at most
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
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::Value as Json;
use tokio::net::{TcpListener, TcpStream};

use super::state::RouterState;

/// Time allowed for the whole request head.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Time a connection may stay open, request and response included.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);

/// Largest request head (request line and headers); hyper's smallest buffer.
const MAX_HEAD: usize = 8 * 1024;

/// Most headers in one request.
const MAX_HEADERS: usize = 32;

/// Connections served at once; more are closed at once.
const MAX_CONNECTIONS: usize = 64;

/// Time open connections get to finish when the router shuts down.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

const TEXT: &str = "text/plain; charset=utf-8";
const JSON: &str = "application/json";

fn response(status: StatusCode, content_type: &'static str, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn not_found(body: &str) -> Response<Full<Bytes>> {
    response(StatusCode::NOT_FOUND, TEXT, body.to_owned())
}

fn pretty(doc: &Json) -> String {
    let mut s = serde_json::to_string_pretty(doc).unwrap_or_default();
    s.push('\n');
    s
}

/// The answer to `GET path`.
fn answer(inner: &RouterState, path: &str) -> Response<Full<Bytes>> {
    let mut parts = path.trim_start_matches('/').splitn(2, '/');
    let realm_name = parts.next().unwrap_or_default();
    let file = parts.next().unwrap_or_default();
    let Some(realm) = inner.existing_realm(realm_name) else {
        return not_found(
            "no such realm: ask for /<realm>/ (HTML), /<realm>/catalog.json, /<realm>/catalog.md or /<realm>/asyncapi.json\n",
        );
    };
    let render: fn(&Json) -> String = match file {
        "" | "index.html" | "catalog.html" => crate::docs::html,
        "catalog.json" => pretty,
        "catalog.md" => crate::docs::markdown,
        "asyncapi.json" => |doc| pretty(&crate::docs::asyncapi(doc)),
        _ => return not_found("not found\n"),
    };
    let content_type = match file {
        "catalog.json" | "asyncapi.json" => JSON,
        "catalog.md" => "text/markdown; charset=utf-8",
        _ => "text/html; charset=utf-8",
    };
    let doc = realm.catalog();
    response(StatusCode::OK, content_type, render(&doc))
}

/// One request: a `GET` without a body.
fn handle(inner: &RouterState, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    if request.method() != Method::GET {
        let mut refusal = response(StatusCode::METHOD_NOT_ALLOWED, TEXT, "GET only\n".into());
        refusal
            .headers_mut()
            .insert(hyper::header::ALLOW, HeaderValue::from_static("GET"));
        return refusal;
    }
    if request.body().size_hint().upper() != Some(0) {
        return response(
            StatusCode::PAYLOAD_TOO_LARGE,
            TEXT,
            "a docs request has no body\n".into(),
        );
    }
    answer(inner, request.uri().path())
}

/// Serves one connection within the limits, until it closes or the router
/// shuts down.
async fn connection(inner: Arc<RouterState>, tcp: TcpStream, peer: SocketAddr) {
    let shutdown = inner.shutdown.clone();
    let service = service_fn(move |request| {
        let reply = handle(&inner, &request);
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
            tracing::debug!(%peer, "docs connection cut after {CONNECTION_TIMEOUT:?}");
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
        tracing::debug!(%peer, error = %e, "docs request failed");
    }
}

/// Binds `addr` and serves the docs until the router shuts down.
pub(super) async fn serve(inner: Arc<RouterState>, addr: &str) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let open = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                () = inner.shutdown.cancelled() => break,
            };
            match accepted {
                Ok((tcp, peer)) => {
                    let Ok(place) = open.clone().try_acquire_owned() else {
                        tracing::debug!(%peer, "docs connection closed at once: {MAX_CONNECTIONS} already open");
                        drop(tcp);
                        continue;
                    };
                    let inner = inner.clone();
                    tokio::spawn(async move {
                        connection(inner, tcp, peer).await;
                        drop(place);
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "docs accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    });
    tracing::info!(%local, "API docs served over HTTP");
    Ok(local)
}
