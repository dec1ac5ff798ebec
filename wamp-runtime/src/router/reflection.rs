//! The reflection API: `wamp.reflection.procedure.list` / `describe`,
//! `wamp.reflection.topic.list` / `describe` and `wamp.reflection.catalog`,
//! answered from the schemas components send with REGISTER and SUBSCRIBE
//! (option `x_schema`). Registrations and subscriptions made without a schema
//! are listed and described by URI and policy alone.

use serde_json::Value as Json;

use super::realm::{Realm, lock};
use super::{broker, dealer, uris};
use crate::protocol::{Dict, Value};

type Reply = Result<Vec<Value>, (&'static str, String)>;

/// One documented entry: the schema sent (or a minimal one built from the
/// registration) with `registration`/`subscription` describing the router's
/// side.
fn entry(uri: &str, schema: Option<&Value>, kind: &str, options: Dict, meta: Value) -> Value {
    let mut d = match schema {
        Some(Value::Dict(d)) => d.clone(),
        _ => {
            let mut d = Dict::new();
            d.insert("uri".into(), Value::String(uri.to_owned()));
            d.insert("kind".into(), Value::String(kind.to_owned()));
            d.insert("options".into(), Value::Dict(options));
            d.insert("doc".into(), Value::String(String::new()));
            d
        }
    };
    // The router's view wins for the URI; the schema stays as sent.
    d.insert("uri".into(), Value::String(uri.to_owned()));
    d.insert("schema_known".into(), Value::Bool(schema.is_some()));
    let key = if kind == "procedure" {
        "registration"
    } else {
        "subscription"
    };
    d.insert(key.into(), meta);
    Value::Dict(d)
}

fn procedures(realm: &Realm) -> Vec<(String, Value)> {
    let dealer = lock(&realm.dealer);
    let mut out: Vec<(String, Value)> = dealer
        .registrations
        .values()
        .map(|r| {
            let mut options = Dict::new();
            options.insert("match".into(), Value::String(r.policy.as_str().into()));
            options.insert("invoke".into(), Value::String(r.invoke.as_str().into()));
            (
                r.uri.clone(),
                entry(
                    &r.uri,
                    r.schema.as_ref(),
                    "procedure",
                    options,
                    dealer::describe(r),
                ),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn topics(realm: &Realm) -> Vec<(String, Value)> {
    let broker = lock(&realm.broker);
    let mut out: Vec<(String, Value)> = broker
        .subscriptions
        .values()
        .map(|s| {
            let mut options = Dict::new();
            options.insert("match".into(), Value::String(s.policy.as_str().into()));
            (
                s.uri.clone(),
                entry(
                    &s.uri,
                    s.schema.as_ref(),
                    "topic",
                    options,
                    broker::describe(s),
                ),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn to_json(v: &Value) -> Json {
    serde_json::to_value(v).unwrap_or(Json::Null)
}

/// The catalog document ([`crate::docs::document`] format) of everything
/// registered and subscribed on `realm`, with the definitions of all entries
/// merged into one `$defs`.
pub(crate) fn catalog(realm: &Realm) -> Json {
    let realm_name = &realm.name;
    let strip = |v: Value| {
        let mut j = to_json(&v);
        if let Json::Object(m) = &mut j {
            m.remove("registration");
            m.remove("subscription");
            m.remove("schema_known");
        }
        j
    };
    let merged = crate::docs::catalog_from_entries(
        procedures(realm).into_iter().map(|(_, v)| strip(v)),
        topics(realm).into_iter().map(|(_, v)| strip(v)),
    );
    let info = crate::docs::Info::new(format!("Realm {realm_name}"), "live").description(
        "What the sessions of this realm registered and subscribed, as reported by the router.",
    );
    crate::docs::from_catalog(&info, merged)
}

fn arg_uri(args: &[Value]) -> Result<&str, (&'static str, String)> {
    args.first().and_then(Value::as_str).ok_or_else(|| {
        (
            uris::INVALID_ARGUMENT,
            "argument 0 (uri) must be a string".to_owned(),
        )
    })
}

/// Answers a `wamp.reflection.*` procedure, or `None` for another URI.
pub(crate) fn dispatch(realm: &Realm, procedure: &str, args: &[Value]) -> Option<Reply> {
    let uris_of = |list: Vec<(String, Value)>| {
        let mut names: Vec<Value> = list.into_iter().map(|(u, _)| Value::String(u)).collect();
        names.dedup();
        Ok(vec![Value::List(names)])
    };
    let describe = |list: Vec<(String, Value)>, missing: &'static str, what: &str| {
        let uri = arg_uri(args)?;
        list.into_iter()
            .find(|(u, _)| u == uri)
            .map(|(_, v)| vec![v])
            .ok_or_else(|| (missing, format!("no {what} <{uri}> on this router")))
    };
    Some(match procedure {
        "wamp.reflection.procedure.list" => uris_of(procedures(realm)),
        "wamp.reflection.topic.list" => uris_of(topics(realm)),
        "wamp.reflection.procedure.describe" => describe(
            procedures(realm),
            uris::NO_SUCH_PROCEDURE,
            "registered procedure",
        ),
        "wamp.reflection.topic.describe" => describe(
            topics(realm),
            uris::NO_SUCH_SUBSCRIPTION,
            "subscribed topic",
        ),
        "wamp.reflection.catalog" => {
            let doc = catalog(realm);
            serde_json::from_value::<Value>(doc)
                .map(|v| vec![v])
                .map_err(|e| (uris::INVALID_ARGUMENT, e.to_string()))
        }
        _ => return None,
    })
}
