//! Reading a catalog document (`"format": "wamp-catalog"`, as printed by a
//! service's `--print-schema json`) into typed entries, and the calling
//! signature of each entry: which parameters are required and which optional.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value as Json};

use crate::Error;

/// The `format` of a catalog document.
pub const FORMAT: &str = "wamp-catalog";

/// The `format_version` this crate reads.
pub const FORMAT_VERSION: u64 = 1;

/// The largest catalog file read (bytes): a catalog is a few kilobytes.
const MAX_CATALOG_BYTES: u64 = 64 * 1024 * 1024;

/// A catalog document: the procedures and topics of a service with the JSON
/// Schemas of their arguments, results and events.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Catalog {
    /// Title, version and description of the service.
    #[serde(default)]
    pub info: Info,
    /// The procedures.
    #[serde(default)]
    pub procedures: Vec<Entry>,
    /// The topics.
    #[serde(default)]
    pub topics: Vec<Entry>,
    /// Type definitions shared by all entries (`#/$defs/Name`).
    #[serde(default, rename = "$defs")]
    pub defs: BTreeMap<String, Json>,
}

/// The `info` of a catalog.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Info {
    /// The service's title.
    #[serde(default)]
    pub title: String,
    /// The service's version.
    #[serde(default)]
    pub version: String,
    /// What the service does.
    #[serde(default)]
    pub description: Option<String>,
}

/// A procedure or a topic.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Entry {
    /// Its URI (a prefix or wildcard pattern when `options.match` says so).
    pub uri: String,
    /// `procedure` or `topic`.
    #[serde(default)]
    pub kind: String,
    /// The name of the function implementing it (names the generated module).
    #[serde(default)]
    pub function: String,
    /// Its documentation.
    #[serde(default)]
    pub doc: Option<String>,
    /// Registration or subscription options (`match`, `invoke`, ...).
    #[serde(default)]
    pub options: Map<String, Json>,
    /// Schema of the positional arguments (an array with `prefixItems`).
    #[serde(default)]
    pub args: Json,
    /// Schema of the keyword arguments (an object).
    #[serde(default)]
    pub kwargs: Json,
    /// Schema of the result (`null`: none).
    #[serde(default)]
    pub result: Json,
    /// Schema of each progressive result (`null`: not progressive).
    #[serde(default)]
    pub progress: Json,
    /// Error URIs it may answer with.
    #[serde(default)]
    pub errors: Vec<String>,
}

/// A parameter of a procedure or topic.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Its name (the positional schema's `title`, or the keyword).
    pub name: String,
    /// Its JSON Schema.
    pub schema: Json,
    /// Its index among the positional arguments; `None` for a keyword-only one.
    pub position: Option<usize>,
    /// Whether a call must give it.
    pub required: bool,
}

impl Catalog {
    /// Parses a catalog document, checking its format and version.
    pub fn from_json(doc: &Json) -> Result<Catalog, Error> {
        match doc.get("format").and_then(Json::as_str) {
            Some(FORMAT) => {}
            other => {
                return Err(Error::Catalog(format!(
                    "not a catalog document: format is {other:?}, expected {FORMAT:?}"
                )));
            }
        }
        match doc.get("format_version").and_then(Json::as_u64) {
            Some(FORMAT_VERSION) => {}
            other => {
                return Err(Error::Catalog(format!(
                    "unsupported format_version {other:?} (this tool reads {FORMAT_VERSION})"
                )));
            }
        }
        let catalog: Catalog = serde_json::from_value(doc.clone())
            .map_err(|e| Error::Catalog(format!("malformed catalog: {e}")))?;
        for entry in catalog.procedures.iter().chain(&catalog.topics) {
            if entry.uri.is_empty() {
                return Err(Error::Catalog("an entry has an empty uri".into()));
            }
        }
        Ok(catalog)
    }

    /// Parses a catalog from text.
    pub fn parse(text: &str) -> Result<Catalog, Error> {
        let doc: Json =
            serde_json::from_str(text).map_err(|e| Error::Catalog(format!("not JSON: {e}")))?;
        Self::from_json(&doc)
    }

    /// Reads a catalog file.
    pub fn read(path: impl AsRef<Path>) -> Result<Catalog, Error> {
        let path = path.as_ref();
        let io = |source| Error::Io {
            path: path.to_owned(),
            source,
        };
        let len = std::fs::metadata(path).map_err(io)?.len();
        if len > MAX_CATALOG_BYTES {
            return Err(Error::Catalog(format!(
                "{} is {len} bytes, more than the {MAX_CATALOG_BYTES} a catalog may have",
                path.display()
            )));
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        Self::parse(&text).map_err(|e| Error::Catalog(format!("{}: {e}", path.display())))
    }
}

impl Entry {
    /// How its URI matches: `exact`, `prefix` or `wildcard`.
    pub fn match_policy(&self) -> &str {
        self.options
            .get("match")
            .and_then(Json::as_str)
            .unwrap_or("exact")
    }

    /// Whether the URI is a pattern, so a call names the concrete URI.
    pub fn is_pattern(&self) -> bool {
        self.match_policy() != "exact"
    }

    /// Whether the procedure sends progressive results.
    pub fn is_progressive(&self) -> bool {
        !self.progress.is_null()
    }

    /// The name for generated code: the function, else the URI's last part.
    pub fn name(&self) -> String {
        if self.function.is_empty() {
            self.uri.rsplit('.').next().unwrap_or("entry").to_owned()
        } else {
            self.function.clone()
        }
    }

    /// The parameters: positional ones (`args.prefixItems`, required below
    /// `minItems`) in order, then keyword-only ones (`kwargs.properties` not
    /// positional, required when listed in `kwargs.required`).
    pub fn params(&self) -> Vec<Param> {
        let mut params = Vec::new();
        let min = self
            .args
            .get("minItems")
            .and_then(Json::as_u64)
            .unwrap_or(0) as usize;
        if let Some(items) = self.args.get("prefixItems").and_then(Json::as_array) {
            for (i, item) in items.iter().enumerate() {
                let name = item
                    .get("title")
                    .and_then(Json::as_str)
                    .map_or_else(|| format!("arg{i}"), str::to_owned);
                params.push(Param {
                    name,
                    schema: item.clone(),
                    position: Some(i),
                    required: i < min,
                });
            }
        }
        let required: Vec<&str> = self
            .kwargs
            .get("required")
            .and_then(Json::as_array)
            .map(|r| r.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        if let Some(props) = self.kwargs.get("properties").and_then(Json::as_object) {
            for (name, schema) in props {
                if params.iter().any(|p| &p.name == name) {
                    continue;
                }
                params.push(Param {
                    name: name.clone(),
                    schema: schema.clone(),
                    position: None,
                    required: required.contains(&name.as_str()),
                });
            }
        }
        params
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(args: Json, kwargs: Json) -> Entry {
        serde_json::from_value(serde_json::json!({
            "uri": "a.b", "kind": "procedure", "function": "f",
            "args": args, "kwargs": kwargs, "result": null, "progress": null
        }))
        .unwrap()
    }

    #[test]
    fn params_split_positional_and_keyword() {
        let e = entry(
            serde_json::json!({"type": "array", "minItems": 1, "prefixItems": [
                {"title": "a", "type": "integer"}, {"title": "b", "type": ["integer", "null"]}]}),
            serde_json::json!({"type": "object", "required": ["k"], "properties": {
                "a": {"type": "integer"}, "b": {}, "k": {"type": "string"}, "o": {"type": "string"}}}),
        );
        let p = e.params();
        let names: Vec<_> = p
            .iter()
            .map(|p| (p.name.as_str(), p.position, p.required))
            .collect();
        assert_eq!(
            names,
            [
                ("a", Some(0), true),
                ("b", Some(1), false),
                ("k", None, true),
                ("o", None, false)
            ]
        );
    }

    #[test]
    fn rejects_other_documents() {
        let err = Catalog::parse(r#"{"format": "asyncapi"}"#).unwrap_err();
        assert!(err.to_string().contains("not a catalog document"), "{err}");
        let err = Catalog::parse(r#"{"format": "wamp-catalog", "format_version": 9}"#).unwrap_err();
        assert!(err.to_string().contains("format_version"), "{err}");
        let ok = Catalog::parse(
            r#"{"format": "wamp-catalog", "format_version": 1, "procedures": [], "topics": []}"#,
        )
        .unwrap();
        assert!(ok.procedures.is_empty());
    }
}
