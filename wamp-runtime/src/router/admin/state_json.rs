//! `/api/state`: the JSON feed of the live page, read from each realm under
//! its lock (bounded: at most [`MAX_REALMS`] realms, the configured number of
//! entries per realm, schemas up to [`MAX_SCHEMA_BYTES`] each and
//! [`MAX_SCHEMAS_BYTES`] in all; those left out are marked `schema_omitted`).

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value as Json, json};

use super::super::core::{EntryInfo, SessionInfo};
use super::super::metrics::RealmView;
use super::config::Admin;

/// Most realms shown (by name); the count is complete.
const MAX_REALMS: usize = 100;

/// Largest schema shown (its JSON text); a larger one is left out.
const MAX_SCHEMA_BYTES: usize = 64 * 1024;

/// Bytes of schemas one feed shows at most; later ones are left out.
const MAX_SCHEMAS_BYTES: usize = 2 * 1024 * 1024;

/// What is left of [`MAX_SCHEMAS_BYTES`] while a feed is built.
struct SchemaRoom(usize);

impl SchemaRoom {
    /// The schema if it fits (then it takes its room), `None` otherwise.
    fn take<'a>(&mut self, schema: Option<&'a Json>) -> Option<&'a Json> {
        let schema = schema?;
        let size = serde_json::to_vec(schema)
            .map(|v| v.len())
            .unwrap_or(usize::MAX);
        if size > MAX_SCHEMA_BYTES || size > self.0 {
            return None;
        }
        self.0 -= size;
        Some(schema)
    }
}

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

fn entry(e: &EntryInfo, counts: Json, room: &mut SchemaRoom) -> Json {
    let schema = room.take(e.schema.as_ref());
    let mut j = json!({
        "uri": e.uri,
        "match": e.policy,
        "peers": e.peers,
        "doc": doc(e.schema.as_ref()),
        "schema": schema,
        "schema_omitted": e.schema.is_some() && schema.is_none(),
        "counts": counts,
    });
    if let Some(invoke) = e.invoke {
        j["invoke"] = Json::String(invoke.to_owned());
    }
    j
}

fn realm(name: &str, view: &RealmView, room: &mut SchemaRoom) -> Json {
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
            entry(r, json!({ "calls": calls, "errors": errors }), room)
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
            entry(s, json!({ "events": events }), room)
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
    let mut room = SchemaRoom(MAX_SCHEMAS_BYTES);
    let shown: Vec<Json> = realms
        .iter()
        .take(MAX_REALMS)
        .map(|r| realm(r.name(), &r.view(admin.config.max_entries), &mut room))
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
        "ready": super::readiness::is_ready(admin),
        "realm_count": realm_count,
        "realms": shown,
    })
}
