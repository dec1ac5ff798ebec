//! The catalog document: its format, the [`Info`] of a service, the versioned
//! document made from a catalog of entries, and the merge of entries that each
//! carry their own definitions (as components send them to a router).
//!
//! It knows JSON Schema documents only: the client feeds it the entries it
//! collected, the renderers read what it builds, the router serves it.

use serde_json::{Map, Value as Json};

use super::example::example_call;

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

/// Turns a catalog (`procedures`, `topics`, shared `$defs`) into a versioned
/// document: adds `format`, `format_version`, `info`
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
            let example = example_call(entry, &defs);
            if let Json::Object(e) = entry {
                e.insert("example".into(), example);
            }
        }
        out.insert(kind.into(), Json::Array(entries));
    }
    out.insert("$defs".into(), Json::Object(defs));
    Json::Object(out)
}

/// Builds a catalog (`procedures`, `topics`, merged `$defs`) from entries each
/// carrying its own `$defs`, as components send them under [`SCHEMA_OPTION`];
/// definitions of the same name are kept once. The router uses it to document what its
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
