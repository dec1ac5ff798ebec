//! Typed WAMP clients from a service's catalog, and a drift check between two
//! catalogs.
//!
//! A catalog is the JSON document a service built with the `wamp` framework
//! prints with `--print-schema json` (`"format": "wamp-catalog"`). From a
//! checked-in copy of it this crate generates:
//!
//! - **Rust** ([`rust`], [`Builder`] for `build.rs`): the types (by
//!   [`typify`]) and one module per procedure and topic, such as
//!   `add::call(&session, 2, 3).await?` or `on_announcement::publish(&session, &msg)`;
//! - **TypeScript** ([`typescript`]): the types and typed wrappers around an
//!   autobahn-js session;
//! - **drift reports** ([`drift::compare`]): what changed between two
//!   catalogs, each change classified breaking or compatible.
//!
//! ```
//! let catalog = wamp_codegen::Catalog::parse(r#"{
//!     "format": "wamp-catalog", "format_version": 1, "$defs": {}, "topics": [],
//!     "procedures": [{ "uri": "com.example.add", "kind": "procedure", "function": "add",
//!         "args": { "type": "array", "minItems": 2, "items": false, "prefixItems": [
//!             { "title": "a", "type": "integer", "format": "int64" },
//!             { "title": "b", "type": "integer", "format": "int64" } ] },
//!         "kwargs": { "type": "object" }, "result": { "type": "integer", "format": "int64" },
//!         "progress": null, "errors": [] }]
//! }"#)?;
//! let code = wamp_codegen::rust::generate(&catalog)?;
//! assert!(code.contains("pub mod add"));
//! let ts = wamp_codegen::typescript::generate(&catalog)?;
//! assert!(ts.contains("export async function add(session: WampSession, a: number, b: number, options: AddOptions = {}): Promise<number>"));
//! # Ok::<(), wamp_codegen::Error>(())
//! ```

use std::path::PathBuf;

mod builder;
pub mod catalog;
pub mod drift;
pub mod rust;
pub mod schema;
pub mod typescript;

pub use builder::Builder;
pub use catalog::{Catalog, Entry, Param};

/// Why code could not be generated or catalogs compared.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The catalog is not a readable catalog document.
    #[error("{0}")]
    Catalog(String),
    /// A schema could not be turned into code.
    #[error("{what}: {message}")]
    Schema {
        /// Which procedure, topic or type.
        what: String,
        /// What went wrong.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        #[source]
        source: std::io::Error,
    },
    /// The generated Rust did not parse (a bug of this crate).
    #[error("generated code does not parse: {0}")]
    Syntax(String),
}
