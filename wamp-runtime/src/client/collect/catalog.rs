//! The collected entries as a catalog: each entry described as JSON (options,
//! signature schemas, errors), all of them with shared definitions, or one
//! with its own (as a component sends it to the router).

use schemars::SchemaGenerator;
use serde_json::{Map, Value as Json};

use super::entry::{Collected, Handler, all};
use crate::client::options::{InvokePolicy, MatchPolicy};

impl Collected {
    /// Its entry in the [`catalog`], with definitions added to `generator`.
    pub fn describe(&self, generator: &mut SchemaGenerator) -> Json {
        let mut out = Map::new();
        out.insert("uri".into(), self.uri.into());
        out.insert("kind".into(), self.kind().into());
        out.insert("function".into(), self.function.into());
        out.insert("module".into(), self.module.into());
        out.insert("file".into(), self.file.into());
        out.insert("line".into(), self.line.into());
        out.insert("component".into(), self.component.into());
        out.insert("doc".into(), self.doc.into());
        let mut options = Map::new();
        match self.handler {
            Handler::Procedure { options: o, .. } => {
                let o = o();
                options.insert(
                    "match".into(),
                    o.match_.unwrap_or(MatchPolicy::Exact).as_str().into(),
                );
                options.insert(
                    "invoke".into(),
                    o.invoke.unwrap_or(InvokePolicy::Single).as_str().into(),
                );
                options.insert("concurrency".into(), o.concurrency.into());
                options.insert("disclose_caller".into(), o.disclose_caller.into());
            }
            Handler::Topic { options: o, .. } => {
                let o = o();
                options.insert(
                    "match".into(),
                    o.match_.unwrap_or(MatchPolicy::Exact).as_str().into(),
                );
                options.insert("get_retained".into(), o.get_retained.into());
            }
        }
        out.insert("options".into(), Json::Object(options));
        if let Json::Object(signature) = (self.schema)(generator) {
            out.extend(signature);
        }
        out.insert(
            "errors".into(),
            self.errors.iter().map(|e| Json::from(*e)).collect(),
        );
        Json::Object(out)
    }
}

/// The collected procedures and topics as one JSON document:
///
/// ```json
/// { "procedures": [ { "uri", "kind", "function", "module", "component", "doc",
///                     "options", "args", "kwargs", "result", "progress", "errors" } ],
///   "topics": [ ... ],
///   "$defs": { ... } }
/// ```
///
/// `args` is a JSON Schema of the positional arguments (an array with
/// `prefixItems`), `kwargs` one of the keyword arguments (an object),
/// `result` the schema of the single positional result (`null` for none,
/// `true` for a free-form [`CallResult`](crate::CallResult)), `progress` that of
/// progressive results. Shared type definitions live in the top-level `$defs`,
/// which the `$ref`s point to.
pub fn catalog() -> Json {
    catalog_of(all())
}

/// [`catalog`] of a chosen set of entries.
pub fn catalog_of(entries: impl IntoIterator<Item = &'static Collected>) -> Json {
    let mut generator = SchemaGenerator::default();
    let mut procedures = Vec::new();
    let mut topics = Vec::new();
    for entry in entries {
        let described = entry.describe(&mut generator);
        match entry.handler {
            Handler::Procedure { .. } => procedures.push(described),
            Handler::Topic { .. } => topics.push(described),
        }
    }
    let defs: Map<String, Json> = generator.take_definitions(true);
    let mut out = Map::new();
    out.insert("procedures".into(), Json::Array(procedures));
    out.insert("topics".into(), Json::Array(topics));
    out.insert("$defs".into(), Json::Object(defs));
    Json::Object(out)
}

/// The schema of one entry as a component sends it with its REGISTER or
/// SUBSCRIBE (under [`SCHEMA_OPTION`](crate::docs::SCHEMA_OPTION)): the entry of the catalog with the
/// definitions it uses in its own `$defs`, so its `$ref`s resolve inside it.
pub fn entry_schema(entry: &'static Collected) -> Json {
    let mut generator = SchemaGenerator::default();
    let mut described = entry.describe(&mut generator);
    let defs: Map<String, Json> = generator.take_definitions(true);
    if let Json::Object(m) = &mut described {
        m.insert("$defs".into(), Json::Object(defs));
    }
    described
}
