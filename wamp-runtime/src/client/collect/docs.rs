//! The docs of the binary's collected entries: their catalog document, and
//! the docs flags (`--print-schema`, `--write-docs`) carried out on it.

use serde_json::Value as Json;

use super::catalog::catalog_of;
use super::entry::{Collected, all};
use crate::docs::{CliError, DocsOutcome, DocsRequest, Info, from_catalog};

/// The catalog document of every collected procedure and topic of the binary
/// (see [`crate::docs`] for its format).
pub fn document(info: &Info) -> Json {
    document_of(info, all())
}

/// The catalog document of chosen entries.
pub fn document_of(info: &Info, entries: impl IntoIterator<Item = &'static Collected>) -> Json {
    from_catalog(info, catalog_of(entries))
}

/// Handles the docs flags of the running binary: with
/// `--print-schema [json|md|html|asyncapi]` (or `WAMP_PRINT_SCHEMA`) it prints
/// the [`document`] of every collected entry to stdout, with
/// `--write-docs DIR` it writes every format into `DIR`, and says so; without
/// either it returns [`DocsOutcome::NotRequested`]. It never ends the process:
/// call it first thing in `main` and return when the outcome
/// [`is_done`](DocsOutcome::is_done). [`crate::run`] and [`crate::serve`] call it
/// with [`Info::from_binary`] and return `Ok` after printing.
///
/// ```no_run
/// use std::process::ExitCode;
///
/// fn main() -> ExitCode {
///     let info = wamp::docs::Info::new("My service", "1.0.0");
///     match wamp::client::handle_docs_cli(&info) {
///         Ok(outcome) if outcome.is_done() => return ExitCode::SUCCESS,
///         Ok(_) => {}
///         Err(e) => {
///             eprintln!("{e}");
///             return ExitCode::from(e.exit_code());
///         }
///     }
///     // ... start the service
///     ExitCode::SUCCESS
/// }
/// ```
pub fn handle_docs_cli(info: &Info) -> Result<DocsOutcome, CliError> {
    match DocsRequest::from_env()? {
        Some(request) => request.fulfil(&document(info)),
        None => Ok(DocsOutcome::NotRequested),
    }
}
