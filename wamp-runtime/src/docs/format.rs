//! The formats the docs are rendered in, and writing all of them at once.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use super::asyncapi::asyncapi;
use super::html::html;
use super::markdown::markdown;

/// An output format of the docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The versioned JSON catalog document.
    Json,
    /// Markdown.
    Markdown,
    /// The self-contained HTML page.
    Html,
    /// AsyncAPI 3.0 (the topics), as JSON.
    AsyncApi,
}

impl Format {
    /// Every format, in the order `--write-docs` writes them.
    pub const ALL: [Format; 4] = [
        Format::Json,
        Format::Markdown,
        Format::Html,
        Format::AsyncApi,
    ];

    /// Parses `json`, `md`/`markdown`, `html` or `asyncapi`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "json" => Some(Format::Json),
            "md" | "markdown" => Some(Format::Markdown),
            "html" => Some(Format::Html),
            "asyncapi" => Some(Format::AsyncApi),
            _ => None,
        }
    }

    /// Renders a catalog document in this format.
    pub fn render(self, doc: &Json) -> String {
        let pretty = |v: &Json| {
            let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
            s.push('\n');
            s
        };
        match self {
            Format::Json => pretty(doc),
            Format::Markdown => markdown(doc),
            Format::Html => html(doc),
            Format::AsyncApi => pretty(&asyncapi(doc)),
        }
    }

    /// The file name `--write-docs` uses.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Json => "catalog.json",
            Format::Markdown => "catalog.md",
            Format::Html => "catalog.html",
            Format::AsyncApi => "asyncapi.json",
        }
    }
}

/// Writes the docs in every format into `dir` (created if missing):
/// `catalog.json`, `catalog.md`, `catalog.html` and `asyncapi.json`.
pub fn write_docs(dir: &Path, doc: &Json) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for format in Format::ALL {
        let path = dir.join(format.file_name());
        std::fs::write(&path, format.render(doc))?;
        written.push(path);
    }
    Ok(written)
}
