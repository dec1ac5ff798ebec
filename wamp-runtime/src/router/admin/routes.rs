//! The admin endpoints: which path answers what, the token check, and the
//! HTTP replies.

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Body, Incoming};
use hyper::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, HeaderValue, WWW_AUTHENTICATE};
use hyper::{Method, Request, Response, StatusCode};
use subtle::ConstantTimeEq;

use super::config::Admin;
use super::readiness::ready;
use super::state_json;

const TEXT: &str = "text/plain; charset=utf-8";

/// The live page: self-contained, no CDN.
const PAGE: &str = include_str!("page.html");

fn response(status: StatusCode, content_type: &'static str, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn text(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    response(status, TEXT, format!("{body}\n"))
}

/// The token the request carries: the bearer of `Authorization`, or the
/// `token` query parameter.
fn presented(request: &Request<Incoming>) -> Option<String> {
    if let Some(value) = request.headers().get(AUTHORIZATION)
        && let Ok(value) = value.to_str()
        && let Some(token) = value.strip_prefix("Bearer ")
    {
        return Some(token.trim().to_owned());
    }
    let query = request.uri().query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
}

/// Whether the request may be answered.
fn authorized(admin: &Admin, request: &Request<Incoming>) -> bool {
    let Some(expected) = &admin.config.token else {
        return true;
    };
    presented(request).is_some_and(|t| bool::from(t.as_bytes().ct_eq(expected.as_bytes())))
}

/// One request: a `GET` without a body.
pub(super) fn handle(admin: &Admin, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    if request.method() != Method::GET {
        let mut refusal = text(StatusCode::METHOD_NOT_ALLOWED, "GET only");
        refusal
            .headers_mut()
            .insert(hyper::header::ALLOW, HeaderValue::from_static("GET"));
        return refusal;
    }
    if request.body().size_hint().upper() != Some(0) {
        return text(
            StatusCode::PAYLOAD_TOO_LARGE,
            "an admin request has no body",
        );
    }
    if !authorized(admin, request) {
        let mut refusal = text(
            StatusCode::UNAUTHORIZED,
            "a token is required: Authorization: Bearer <token>, or ?token=<token>",
        );
        refusal
            .headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return refusal;
    }
    match request.uri().path() {
        "/healthz" => text(StatusCode::OK, "ok"),
        "/readyz" => match ready(admin) {
            Ok(()) => text(StatusCode::OK, "ready"),
            Err(why) => text(StatusCode::SERVICE_UNAVAILABLE, why),
        },
        "/metrics" => match super::super::metrics::render() {
            Some(body) => response(
                StatusCode::OK,
                "text/plain; version=0.0.4; charset=utf-8",
                body,
            ),
            None => text(
                StatusCode::SERVICE_UNAVAILABLE,
                "no metrics: another metrics recorder was installed first, or the `metrics` feature is off",
            ),
        },
        "/" | "/index.html" => {
            response(StatusCode::OK, "text/html; charset=utf-8", PAGE.to_owned())
        }
        "/api/state" => {
            let mut body = serde_json::to_string(&state_json::state(admin)).unwrap_or_default();
            body.push('\n');
            response(StatusCode::OK, "application/json", body)
        }
        path if path.starts_with("/docs/") => {
            let name = path.trim_start_matches("/docs/").trim_end_matches('/');
            match admin.router.existing_realm(name) {
                // The docs page of the realm, as the docs listener serves it.
                Some(realm) => response(
                    StatusCode::OK,
                    "text/html; charset=utf-8",
                    crate::docs::html(&realm.catalog()),
                ),
                None => text(StatusCode::NOT_FOUND, "no such realm"),
            }
        }
        _ => text(
            StatusCode::NOT_FOUND,
            "not found: /metrics, /healthz, /readyz, / (live page), /api/state, /docs/<realm>",
        ),
    }
}
