//! `wamp.reflection.*`: the procedures and topics of a realm with the schemas
//! components sent with REGISTER and SUBSCRIBE (option `x_schema`), and the
//! live catalog document. Entries made without a schema are listed and
//! described by URI and policy alone.

use serde_json::Value as Json;

use crate::protocol::uris;
use crate::protocol::{Dict, Value};

use super::super::broker::Broker;
use super::super::dealer::Dealer;
use super::call::{MetaCall, MetaError, MetaReply};

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

/// The registered procedures, sorted by URI.
fn procedures(dealer: &Dealer) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = dealer
        .registrations
        .iter()
        .map(|r| {
            let mut options = Dict::new();
            options.insert("match".into(), Value::String(r.policy.as_str().into()));
            options.insert("invoke".into(), Value::String(r.invoke.as_str().into()));
            let e = entry(
                &r.uri,
                r.schema.as_ref(),
                "procedure",
                options,
                r.describe(),
            );
            (r.uri.clone(), e)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The subscribed topics, sorted by URI.
fn topics(broker: &Broker) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = broker
        .subscriptions
        .iter()
        .map(|s| {
            let mut options = Dict::new();
            options.insert("match".into(), Value::String(s.policy.as_str().into()));
            let e = entry(&s.uri, s.schema.as_ref(), "topic", options, s.describe());
            (s.uri.clone(), e)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn to_json(v: &Value) -> Json {
    serde_json::to_value(v).unwrap_or(Json::Null)
}

/// The catalog document ([`crate::docs::document`] format) of everything
/// registered and subscribed on a realm, with the definitions of all entries
/// merged into one `$defs`.
pub(crate) fn catalog(realm: &str, dealer: &Dealer, broker: &Broker) -> Json {
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
        procedures(dealer).into_iter().map(|(_, v)| strip(v)),
        topics(broker).into_iter().map(|(_, v)| strip(v)),
    );
    let info = crate::docs::Info::new(format!("Realm {realm}"), "live").description(
        "What the sessions of this realm registered and subscribed, as reported by the router.",
    );
    crate::docs::from_catalog(&info, merged)
}

fn uris_of(list: Vec<(String, Value)>) -> MetaReply {
    let mut names: Vec<Value> = list.into_iter().map(|(u, _)| Value::String(u)).collect();
    names.dedup();
    Ok(vec![Value::List(names)])
}

fn describe(
    call: &MetaCall<'_, '_>,
    list: Vec<(String, Value)>,
    missing: &'static str,
    what: &str,
) -> MetaReply {
    let uri = call.str(0, "uri")?;
    list.into_iter()
        .find(|(u, _)| u == uri)
        .map(|(_, v)| vec![v])
        .ok_or_else(|| MetaError::new(missing, format!("no {what} <{uri}> on this router")))
}

/// `wamp.reflection.procedure.list()`.
pub(crate) fn procedure_list(call: &mut MetaCall<'_, '_>) -> MetaReply {
    uris_of(procedures(call.dealer))
}

/// `wamp.reflection.topic.list()`.
pub(crate) fn topic_list(call: &mut MetaCall<'_, '_>) -> MetaReply {
    uris_of(topics(call.broker))
}

/// `wamp.reflection.procedure.describe(uri)`.
pub(crate) fn procedure_describe(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let list = procedures(call.dealer);
    describe(call, list, uris::NO_SUCH_PROCEDURE, "registered procedure")
}

/// `wamp.reflection.topic.describe(uri)`.
pub(crate) fn topic_describe(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let list = topics(call.broker);
    describe(call, list, uris::NO_SUCH_SUBSCRIPTION, "subscribed topic")
}

/// `wamp.reflection.catalog()`.
pub(crate) fn catalog_document(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let doc = catalog(call.realm, call.dealer, call.broker);
    serde_json::from_value::<Value>(doc)
        .map(|v| vec![v])
        .map_err(|e| MetaError::new(uris::INVALID_ARGUMENT, e.to_string()))
}
