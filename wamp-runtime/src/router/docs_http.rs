//! The live API docs of a realm over plain HTTP: `GET /<realm>/` is the HTML
//! page of what the realm's sessions registered and subscribed (from the
//! schemas sent with REGISTER/SUBSCRIBE), `/<realm>/catalog.json`,
//! `/<realm>/catalog.md` and `/<realm>/asyncapi.json` the other formats.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::state::RouterState;
use crate::docs::Format;

fn response(status: &str, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn answer(inner: &RouterState, path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let mut parts = path.trim_start_matches('/').splitn(2, '/');
    let realm_name = parts.next().unwrap_or_default();
    let file = parts.next().unwrap_or_default();
    let realm = inner.existing_realm(realm_name);
    let Some(realm) = realm else {
        return response(
            "404 Not Found",
            "text/plain; charset=utf-8",
            "no such realm: ask for /<realm>/ (HTML), /<realm>/catalog.json, /<realm>/catalog.md or /<realm>/asyncapi.json\n",
        );
    };
    let (format, content_type) = match file {
        "" | "index.html" | "catalog.html" => (Format::Html, "text/html; charset=utf-8"),
        "catalog.json" => (Format::Json, "application/json"),
        "catalog.md" => (Format::Markdown, "text/markdown; charset=utf-8"),
        "asyncapi.json" => (Format::AsyncApi, "application/json"),
        _ => return response("404 Not Found", "text/plain; charset=utf-8", "not found\n"),
    };
    let doc = realm.catalog();
    response("200 OK", content_type, &format.render(&doc))
}

async fn handle(inner: Arc<RouterState>, mut tcp: TcpStream) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tcp.read(&mut chunk).await?;
        if n == 0 || buf.len() > 16 * 1024 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf);
    let mut request = head.lines().next().unwrap_or_default().split(' ');
    let reply = match (request.next(), request.next()) {
        (Some("GET"), Some(path)) => answer(&inner, path),
        _ => response(
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            "GET only\n",
        ),
    };
    tcp.write_all(reply.as_bytes()).await?;
    tcp.shutdown().await
}

/// Binds `addr` and serves the docs until the router shuts down.
pub(super) async fn serve(inner: Arc<RouterState>, addr: &str) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = inner.shutdown.cancelled() => break,
            };
            match accepted {
                Ok((tcp, _)) => {
                    let inner = inner.clone();
                    tokio::spawn(async move {
                        if let Err(e) = handle(inner, tcp).await {
                            tracing::debug!(error = %e, "docs request failed");
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "docs accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            }
        }
    });
    tracing::info!(%local, "API docs served over HTTP");
    Ok(local)
}
