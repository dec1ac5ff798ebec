//! The API of a service as documents: a versioned JSON catalog, Markdown,
//! a self-contained HTML page and an AsyncAPI 3.0 export, all built from the
//! JSON Schemas of its procedures and topics.
//!
//! This module knows catalogs only, neither the client nor the router: the
//! client feeds it the entries that `#[wamp::register]` and `#[wamp::subscribe]`
//! collect (and handles the docs flags of a service binary with them), the
//! router the schemas its sessions sent under [`SCHEMA_OPTION`].
//!
//! - the document: [`Info`], [`from_catalog`], [`catalog_from_entries`];
//! - renderers: [`markdown`], [`html`], [`asyncapi`], by [`Format`];
//! - the command line: [`DocsRequest`] reads `--print-schema` and `--write-docs`
//!   and carries them out on a document, returning a [`DocsOutcome`] (it never
//!   ends the process).
//!
//! ```
//! use wamp::docs::{DocsOutcome, DocsRequest, Format, Info, from_catalog};
//!
//! let catalog = serde_json::json!({ "procedures": [], "topics": [], "$defs": {} });
//! let doc = from_catalog(&Info::new("My service", "1.0.0"), catalog);
//! assert_eq!(doc["format"], "wamp-catalog");
//! let markdown = Format::Markdown.render(&doc);
//! assert!(markdown.contains("My service"));
//!
//! let args = ["--print-schema".to_owned(), "md".to_owned()];
//! let request = DocsRequest::parse(&args, None)?.expect("asked for docs");
//! assert_eq!(request, DocsRequest::Print(Format::Markdown));
//! # Ok::<(), wamp::docs::CliError>(())
//! ```
//!
//! The catalog document ([`from_catalog`]) has this shape (format version
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
mod catalog;
mod cli;
mod example;
mod format;
mod html;
mod markdown;
mod render;
mod schema_refs;

pub use asyncapi::asyncapi;
pub use catalog::{
    FORMAT, FORMAT_VERSION, Info, SCHEMA_OPTION, catalog_from_entries, from_catalog,
};
pub use cli::{CliError, DocsOutcome, DocsRequest};
pub use example::example_value;
pub use format::{Format, write_docs};
pub use html::html;
pub use markdown::markdown;
