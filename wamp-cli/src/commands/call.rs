//! `wamp call`: checks the arguments against the procedure's schema (when the
//! router serves one), calls, prints progressive results as they arrive and
//! the final one; an ERROR becomes a non-zero exit with its URI and message.

use std::time::Duration;

use futures_util::StreamExt as _;
use serde_json::Value as Json;
use wamp::Session;

use crate::cli::CallArgs;
use crate::commands::print_line;
use crate::error::{CliError, EXIT_USAGE};
use crate::reflection;
use crate::schema;
use crate::values::{encode, kwargs_of, parse_arg, payload_json, result_json, to_text};

/// Runs `wamp call`.
pub(crate) async fn run(session: &Session, a: CallArgs) -> Result<(), CliError> {
    let args: Vec<Json> = a.args.iter().map(|s| parse_arg(s)).collect();
    let kwargs = kwargs_of(&a.kwargs);
    let uri = a.uri.as_str();
    if !a.no_validate
        && let Some(entry) = reflection::procedure_schema(session, uri).await
    {
        let problems = schema::check(&entry, &args, &kwargs);
        if !problems.is_empty() {
            return Err(CliError::new(
                EXIT_USAGE,
                format!("not called: {}", problems.join("\n  ")),
            )
            .hint(format!(
                "`wamp describe {uri}` shows what it takes; --no-validate sends the call anyway"
            )));
        }
    }
    let payload = encode(session.serializer(), &args, &kwargs).map_err(|e| CliError::remote(&e))?;
    let timeout = Duration::try_from_secs_f64(a.timeout)
        .map_err(|e| CliError::new(EXIT_USAGE, format!("--timeout {}: {e}", a.timeout)))?;
    let mut results = session
        .call_payload(uri, payload)
        .timeout(timeout)
        .progressive()
        .await
        .map_err(|e| CliError::remote(&e))?;
    while let Some(answer) = results.next().await {
        match answer {
            Ok(result) => {
                let (args, kwargs) =
                    payload_json(&result.payload).map_err(|e| CliError::remote(&e))?;
                print_line(&to_text(&result_json(args, kwargs), a.json));
                if !result.is_progress() {
                    return Ok(());
                }
            }
            Err(e) => return Err(explain(session, uri, &e, a.timeout).await),
        }
    }
    Ok(())
}

/// The ERROR of a call, with what to do about it.
async fn explain(session: &Session, uri: &str, e: &wamp::Error, timeout: f64) -> CliError {
    let error = CliError::remote(e);
    match e.uri() {
        "wamp.error.no_such_procedure" => match reflection::procedure_list(session).await {
            Some(known) => {
                let near = reflection::closest(uri, &known);
                if near.is_empty() {
                    error.hint("`wamp list` shows the procedures of this realm")
                } else {
                    error.hint(format!("did you mean {}?", near.join(" or ")))
                }
            }
            None => error
                .hint("nothing is registered under this URI; `wamp registrations` lists what is"),
        },
        "wamp.error.not_authorized" => error.hint(format!(
            "your role may not call {uri}: join with other credentials (--authid, --ticket, ...)"
        )),
        "wamp.error.timeout" => error.hint(format!(
            "no result within {timeout} s; --timeout SECONDS waits longer"
        )),
        "wamp.error.invalid_argument" => error.hint(format!(
            "`wamp describe {uri}` shows what it takes (with a router serving reflection)"
        )),
        _ => error,
    }
}
