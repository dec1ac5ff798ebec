//! The API of a component as documents: a versioned JSON catalog, Markdown,
//! a self-contained HTML page and an AsyncAPI 3.0 export, all built from the
//! JSON Schemas that `#[wamp::register]` and `#[wamp::subscribe]` collect.
//!
//! ```no_run
//! // In `main`, before connecting anywhere: `my_service --print-schema md`
//! // prints the Markdown docs and exits; without the flag nothing happens.
//! wamp::docs::handle_cli(&wamp::docs::Info::new("My service", "1.0.0"));
//! ```
//!
//! The catalog document ([`document`]) has this shape (format version
//! [`FORMAT_VERSION`]):
//!
//! ```json
//! { "format": "wamp-catalog", "format_version": 1,
//!   "info": { "title": "...", "version": "...", "description": "..." },
//!   "procedures": [ { "uri", "kind", "function", "module", "file", "line", "component",
//!                     "doc", "options", "args", "kwargs", "result", "progress",
//!                     "errors", "example": { "args": [...], "kwargs": {...} } } ],
//!   "topics": [ { ...the same, "example" is an event payload } ],
//!   "$defs": { ...type definitions shared by all entries... } }
//! ```
//!
//! Every `$ref` points into the top-level `$defs` (`#/$defs/Name`).

mod asyncapi;
#[cfg(feature = "client")]
mod cli;
mod example;
mod html;
mod markdown;
mod render;

use serde_json::{Map, Value as Json};

#[cfg(feature = "client")]
use crate::client::collect::{self, Collected};

pub use asyncapi::asyncapi;
#[cfg(feature = "client")]
pub use cli::{Format, handle_cli, handle_cli_args, write_docs};
pub use example::example_value;
pub use html::html;
pub use markdown::markdown;

/// The value of `format` in a catalog document.
pub const FORMAT: &str = "wamp-catalog";

/// The version of the catalog format; bumped on incompatible changes.
pub const FORMAT_VERSION: u64 = 1;

/// The key of REGISTER and SUBSCRIBE options under which a component sends
/// the schema of one entry to the router (an implementation-specific key, so
/// other routers ignore it).
pub const SCHEMA_OPTION: &str = "x_schema";

/// Title, version and description of a documented service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    /// The service's name.
    pub title: String,
    /// The service's version.
    pub version: String,
    /// A paragraph about the service (Markdown allowed).
    pub description: String,
}

impl Info {
    /// Info with a title and a version and no description.
    pub fn new(title: impl Into<String>, version: impl Into<String>) -> Self {
        Info {
            title: title.into(),
            version: version.into(),
            description: String::new(),
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Info named after the running binary, version `unversioned`.
    pub fn from_binary() -> Self {
        let title = std::env::args()
            .next()
            .and_then(|p| {
                std::path::Path::new(&p)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "WAMP service".into());
        Info::new(title, "unversioned")
    }

    fn to_json(&self) -> Json {
        let mut m = Map::new();
        m.insert("title".into(), self.title.clone().into());
        m.insert("version".into(), self.version.clone().into());
        m.insert("description".into(), self.description.clone().into());
        Json::Object(m)
    }
}

/// The catalog document of every collected procedure and topic of the binary.
#[cfg(feature = "client")]
pub fn document(info: &Info) -> Json {
    document_of(info, collect::all())
}

/// The catalog document of chosen entries.
#[cfg(feature = "client")]
pub fn document_of(info: &Info, entries: impl IntoIterator<Item = &'static Collected>) -> Json {
    from_catalog(info, collect::catalog_of(entries))
}

/// Turns a catalog as [`crate::catalog`] builds it (`procedures`, `topics`,
/// `$defs`) into a versioned document: adds `format`, `format_version`, `info`
/// and an `example` to every entry.
pub fn from_catalog(info: &Info, catalog: Json) -> Json {
    let Json::Object(mut catalog) = catalog else {
        return catalog;
    };
    let defs = catalog
        .remove("$defs")
        .and_then(|d| match d {
            Json::Object(m) => Some(m),
            _ => None,
        })
        .unwrap_or_default();
    let mut out = Map::new();
    out.insert("format".into(), FORMAT.into());
    out.insert("format_version".into(), FORMAT_VERSION.into());
    out.insert("info".into(), info.to_json());
    for kind in ["procedures", "topics"] {
        let mut entries = match catalog.remove(kind) {
            Some(Json::Array(a)) => a,
            _ => Vec::new(),
        };
        for entry in &mut entries {
            let example = example::example_call(entry, &defs);
            if let Json::Object(e) = entry {
                e.insert("example".into(), example);
            }
        }
        out.insert(kind.into(), Json::Array(entries));
    }
    out.insert("$defs".into(), Json::Object(defs));
    Json::Object(out)
}

/// The schema of one entry as a component sends it with its REGISTER or
/// SUBSCRIBE (under [`SCHEMA_OPTION`]): the entry of the catalog with the
/// definitions it uses in its own `$defs`, so its `$ref`s resolve inside it.
#[cfg(feature = "client")]
pub fn entry_schema(entry: &'static Collected) -> Json {
    let mut generator = schemars::SchemaGenerator::default();
    let mut described = entry.describe(&mut generator);
    let defs: Map<String, Json> = generator.take_definitions(true);
    if let Json::Object(m) = &mut described {
        m.insert("$defs".into(), Json::Object(defs));
    }
    described
}

/// Builds a catalog (`procedures`, `topics`, merged `$defs`) from entries each
/// carrying its own `$defs`, as [`entry_schema`] makes them; definitions of
/// the same name are kept once. The router uses it to document what its
/// sessions registered.
pub fn catalog_from_entries(
    procedures: impl IntoIterator<Item = Json>,
    topics: impl IntoIterator<Item = Json>,
) -> Json {
    let mut defs = Map::new();
    let mut take = |entries: &mut dyn Iterator<Item = Json>| -> Vec<Json> {
        entries
            .map(|mut e| {
                if let Json::Object(m) = &mut e
                    && let Some(Json::Object(d)) = m.remove("$defs")
                {
                    for (k, v) in d {
                        defs.entry(k).or_insert(v);
                    }
                }
                e
            })
            .collect()
    };
    let procedures = take(&mut procedures.into_iter());
    let topics = take(&mut topics.into_iter());
    let mut out = Map::new();
    out.insert("procedures".into(), Json::Array(procedures));
    out.insert("topics".into(), Json::Array(topics));
    out.insert("$defs".into(), Json::Object(defs));
    Json::Object(out)
}

/// Looks up `#/$defs/Name` (or `#/components/schemas/Name`) in `defs`.
pub(crate) fn resolve<'a>(schema: &'a Json, defs: &'a Map<String, Json>) -> &'a Json {
    let mut current = schema;
    for _ in 0..16 {
        match current
            .get("$ref")
            .and_then(Json::as_str)
            .and_then(def_name)
        {
            Some(name) => match defs.get(name) {
                Some(next) => current = next,
                None => return current,
            },
            None => return current,
        }
    }
    current
}

/// The definition name of a local `$ref`.
pub(crate) fn def_name(reference: &str) -> Option<&str> {
    reference
        .strip_prefix("#/$defs/")
        .or_else(|| reference.strip_prefix("#/components/schemas/"))
}
