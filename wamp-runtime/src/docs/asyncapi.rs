//! The topics of a catalog document as an AsyncAPI 3.0 document.

use serde_json::{Map, Value as Json, json};

use super::render::field;

/// Rewrites `#/$defs/X` references to `#/components/schemas/X`.
fn rewrite_refs(v: &mut Json) {
    match v {
        Json::Object(m) => {
            for (k, val) in m.iter_mut() {
                if k == "$ref"
                    && let Json::String(s) = val
                    && let Some(name) = s.strip_prefix("#/$defs/")
                {
                    *s = format!("#/components/schemas/{name}");
                } else {
                    rewrite_refs(val);
                }
            }
        }
        Json::Array(a) => a.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

/// A channel or message ID from a topic URI (`com.chat.message` →
/// `com_chat_message`).
fn id(uri: &str) -> String {
    let id: String = uri
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if id.is_empty() { "_".into() } else { id }
}

/// Exports the topics of a catalog document ([`from_catalog`](super::from_catalog)) as AsyncAPI
/// 3.0: one channel per topic (its address is the topic URI), one `receive`
/// operation per subscription of the service, the event payload as
/// `{ "args": [...], "kwargs": {...} }` and the shared types under
/// `components.schemas`.
pub fn asyncapi(doc: &Json) -> Json {
    let info = doc.get("info").cloned().unwrap_or(Json::Null);
    let mut channels = Map::new();
    let mut operations = Map::new();
    let mut messages = Map::new();
    for topic in doc
        .get("topics")
        .and_then(Json::as_array)
        .map_or(&[][..], |v| v)
    {
        let uri = field(topic, "uri");
        let cid = id(uri);
        let mid = format!("{cid}_event");
        let mut payload = json!({
            "type": "object",
            "description": "A WAMP event: positional arguments and keyword arguments.",
            "properties": {
                "args": topic.get("args").cloned().unwrap_or(json!({"type": "array"})),
                "kwargs": topic.get("kwargs").cloned().unwrap_or(json!({"type": "object"})),
            }
        });
        rewrite_refs(&mut payload);
        let doc_text = field(topic, "doc").trim();
        let mut message = json!({
            "name": mid,
            "title": format!("Event of {uri}"),
            "contentType": "application/json",
            "payload": payload,
        });
        if let Some(example) = topic.get("example") {
            message["examples"] = json!([{ "name": "example", "payload": example }]);
        }
        messages.insert(mid.clone(), message);
        let mut channel = json!({
            "address": uri,
            "messages": { mid.clone(): { "$ref": format!("#/components/messages/{mid}") } },
            "bindings": { "x-wamp": { "match": topic.pointer("/options/match").cloned().unwrap_or(json!("exact")) } }
        });
        if !doc_text.is_empty() {
            channel["description"] = doc_text.into();
        }
        channels.insert(cid.clone(), channel);
        operations.insert(
            format!("receive_{cid}"),
            json!({
                "action": "receive",
                "channel": { "$ref": format!("#/channels/{cid}") },
                "summary": doc_text.lines().next().unwrap_or_default(),
                "messages": [ { "$ref": format!("#/channels/{cid}/messages/{mid}") } ],
            }),
        );
    }
    let mut schemas = doc.get("$defs").cloned().unwrap_or(json!({}));
    rewrite_refs(&mut schemas);
    json!({
        "asyncapi": "3.0.0",
        "info": {
            "title": field(&info, "title"),
            "version": field(&info, "version"),
            "description": field(&info, "description"),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": { "messages": messages, "schemas": schemas },
    })
}
