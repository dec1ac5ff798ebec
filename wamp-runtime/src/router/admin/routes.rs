//! The admin endpoints: which path answers what, the token check, and the
//! HTTP replies.

use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, HeaderValue, WWW_AUTHENTICATE};
use hyper::{Request, StatusCode};
use subtle::ConstantTimeEq;

use super::super::http_server::{Reply, TEXT, refuse_unless_get_without_body, response};
use super::config::Admin;
use super::readiness::ready;
use super::state_json;

/// The live page: self-contained, no CDN.
const PAGE: &str = include_str!("page.html");

fn text(status: StatusCode, body: &str) -> Reply {
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
pub(super) fn handle(admin: &Admin, request: &Request<Incoming>) -> Reply {
    if let Some(refusal) = refuse_unless_get_without_body(request, "an admin request") {
        return refusal;
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
