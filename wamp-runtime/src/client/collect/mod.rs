//! Procedures and topics collected at startup from `#[wamp::register]` and
//! `#[wamp::subscribe]` functions (with `inventory`): the entries, their
//! [`catalog`] of JSON Schemas and [`document`], the docs flags, and the
//! duplicate check.
//!
//! Serve them with [`ComponentBuilder::collected`](crate::client::component::ComponentBuilder::collected),
//! [`collected_component`](crate::client::component::ComponentBuilder::collected_component) or
//! [`collected_prefix`](crate::client::component::ComponentBuilder::collected_prefix), or with
//! [`crate::serve`].

mod catalog;
mod check;
mod docs;
mod entry;

pub use catalog::{catalog, catalog_of, entry_schema};
pub use check::check;
pub(crate) use check::{Source, check_duplicates};
pub use docs::{document, document_of, handle_docs_cli};
pub use entry::{Collected, Handler, all};
