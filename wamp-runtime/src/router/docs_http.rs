//! The live API docs of a realm over HTTP/1.1 (hyper): `GET /<realm>/` is the
//! HTML page of what the realm's sessions registered and subscribed (from the
//! schemas sent with REGISTER/SUBSCRIBE), `/<realm>/catalog.json`,
//! `/<realm>/catalog.md` and `/<realm>/asyncapi.json` the other formats.
//!
//! The limits (one request per connection, head size and time, no body,
//! connection time and count) are those of [`super::http_server`].

use std::net::SocketAddr;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde_json::Value as Json;
use tokio::net::TcpListener;

use super::http_server::{self, Reply, TEXT, refuse_unless_get_without_body, response};
use super::state::RouterState;

const JSON: &str = "application/json";

fn not_found(body: &str) -> Reply {
    response(StatusCode::NOT_FOUND, TEXT, body.to_owned())
}

fn pretty(doc: &Json) -> String {
    let mut s = serde_json::to_string_pretty(doc).unwrap_or_default();
    s.push('\n');
    s
}

/// The answer to `GET path`.
fn answer(inner: &RouterState, path: &str) -> Reply {
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
fn handle(inner: &RouterState, request: &Request<Incoming>) -> Reply {
    if let Some(refusal) = refuse_unless_get_without_body(request, "a docs request") {
        return refusal;
    }
    answer(inner, request.uri().path())
}

/// Binds `addr` and serves the docs until the router shuts down.
pub(super) async fn serve(inner: Arc<RouterState>, addr: &str) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let shutdown = inner.shutdown.clone();
    http_server::spawn(listener, shutdown, "docs", move |request| {
        handle(&inner, request)
    });
    tracing::info!(%local, "API docs served over HTTP");
    Ok(local)
}
