//! `/api/state`: the JSON feed of the live page, read from each realm under
//! its lock (bounded: at most [`MAX_REALMS`] realms and the configured
//! number of entries per realm).

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value as Json, json};

use super::super::core::{EntryInfo, SessionInfo};
use super::super::metrics::RealmView;
use super::config::Admin;

/// Most realms shown (by name); the count is complete.
const MAX_REALMS: usize = 100;

/// The procedure's documentation line, from the schema sent with REGISTER.
fn doc(schema: Option<&Json>) -> Json {
    schema
        .and_then(|s| s.get("doc"))
        .and_then(Json::as_str)
        .map(|d| Json::String(d.lines().next().unwrap_or_default().to_owned()))
        .unwrap_or(Json::Null)
}

fn session(s: &SessionInfo, age: Option<std::time::Duration>) -> Json {
    json!({
        "session": s.id,
        "authid": s.authid,
        "authrole": s.authrole,
        "authmethod": s.authmethod,
        "transport": super::super::metrics::global::transport_label(s.transport),
        "serializer": s.serializer.name(),
        "age_secs": age.map(|a| a.as_secs_f64()),
    })
}

fn entry(e: &EntryInfo, counts: Json) -> Json {
    let mut j = json!({
        "uri": e.uri,
        "match": e.policy,
        "peers": e.peers,
        "doc": doc(e.schema.as_ref()),
        "schema": e.schema,
        "counts": counts,
    });
    if let Some(invoke) = e.invoke {
        j["invoke"] = Json::String(invoke.to_owned());
    }
    j
}

fn realm(name: &str, view: &RealmView) -> Json {
    let stats = &view.stats;
    let registrations: Vec<Json> = view
        .core
        .registrations
        .iter()
        .map(|r| {
            let (calls, errors) = stats
                .procedures
                .iter()
                .find(|p| &*p.0 == r.uri.as_str())
                .map(|p| (p.1, p.2))
                .unwrap_or_default();
            entry(r, json!({ "calls": calls, "errors": errors }))
        })
        .collect();
    let subscriptions: Vec<Json> = view
        .core
        .subscriptions
        .iter()
        .map(|s| {
            let events = stats
                .topics
                .iter()
                .find(|t| &*t.0 == s.uri.as_str())
                .map(|t| t.1)
                .unwrap_or_default();
            entry(s, json!({ "events": events }))
        })
        .collect();
    let sessions: Vec<Json> = view
        .core
        .sessions
        .iter()
        .zip(&view.ages)
        .map(|(s, age)| session(s, *age))
        .collect();
    json!({
        "name": name,
        "session_count": view.core.session_count,
        "sessions": sessions,
        "registration_count": view.core.registration_count,
        "registrations": registrations,
        "subscription_count": view.core.subscription_count,
        "subscriptions": subscriptions,
        "totals": {
            "calls": stats.calls,
            "errors": stats.errors,
            "published": stats.published,
            "delivered": stats.delivered,
        },
    })
}

/// The whole feed.
pub(super) fn state(admin: &Admin) -> Json {
    let mut realms = admin.router.realm_list();
    realms.sort_by(|a, b| a.name().cmp(b.name()));
    let realm_count = realms.len();
    let shown: Vec<Json> = realms
        .iter()
        .take(MAX_REALMS)
        .map(|r| realm(r.name(), &r.view(admin.config.max_entries)))
        .collect();
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default();
    json!({
        "format": "wamp-router-state",
        "version": env!("CARGO_PKG_VERSION"),
        "now_ms": now_ms,
        "uptime_secs": admin.started.elapsed().as_secs_f64(),
        "listeners": admin.router.listeners(),
        "ready": super::routes::is_ready(admin),
        "realm_count": realm_count,
        "realms": shown,
    })
}
