//! Asking the router what its realm serves: `wamp.reflection.*` (the
//! embedded router), with a plain "not offered" answer for routers without
//! it (Crossbar.io).

use std::time::Duration;

use serde_json::Value as Json;
use wamp::Session;

use crate::error::{CliError, EXIT_ERROR};
use crate::values::{payload_json, result_json};

const ASK: Duration = Duration::from_secs(5);

/// Calls `procedure` with `args` and returns its result as JSON.
pub(crate) async fn call_json(
    session: &Session,
    procedure: &str,
    args: &[Json],
) -> Result<Json, wamp::Error> {
    let result = session.call(procedure, args).timeout(ASK).await?;
    let (args, kwargs) = payload_json(&result.payload)?;
    Ok(result_json(args, kwargs))
}

/// Whether an error says the router does not offer a procedure at all.
fn is_missing(e: &wamp::Error) -> bool {
    e.is("wamp.error.no_such_procedure")
}

/// The catalog document of the realm (`wamp.reflection.catalog`).
pub(crate) async fn catalog(session: &Session) -> Result<Json, CliError> {
    match call_json(session, "wamp.reflection.catalog", &[]).await {
        Ok(catalog) => Ok(catalog),
        Err(e) if is_missing(&e) => Err(CliError::new(
            EXIT_ERROR,
            "this router does not offer the reflection API (wamp.reflection.*), as Crossbar.io does not",
        )
        .hint("`wamp registrations` and `wamp sessions` list what the meta API shows; `wamp call` works without reflection")),
        Err(e) => Err(CliError::remote(&e)),
    }
}

/// The reflection entry of one procedure, when the router has one with a
/// schema; `None` when it does not (no reflection, not registered under
/// exactly this URI, registered without a schema).
pub(crate) async fn procedure_schema(session: &Session, uri: &str) -> Option<Json> {
    let entry = call_json(
        session,
        "wamp.reflection.procedure.describe",
        &[Json::String(uri.to_owned())],
    )
    .await
    .ok()?;
    let known = entry["schema_known"]
        .as_bool()
        .unwrap_or(entry["args"].is_object());
    known.then_some(entry)
}

/// The registered procedures (`wamp.reflection.procedure.list`), or `None`
/// without reflection.
pub(crate) async fn procedure_list(session: &Session) -> Option<Vec<String>> {
    let list = call_json(session, "wamp.reflection.procedure.list", &[])
        .await
        .ok()?;
    serde_json::from_value(list).ok()
}

/// The known URIs closest to `uri` (for "did you mean").
pub(crate) fn closest<'a>(uri: &str, known: &'a [String]) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &str)> = known
        .iter()
        .map(|k| (strsim::jaro_winkler(uri, k), k.as_str()))
        .filter(|(score, _)| *score > 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let best = scored.first().map_or(0.0, |s| s.0);
    scored
        .into_iter()
        .take_while(|(score, _)| *score >= best - 0.03)
        .take(3)
        .map(|(_, k)| k)
        .collect()
}

/// The names of the positional parameters (`prefixItems[i].title`).
pub(crate) fn positional_names(entry: &Json) -> Vec<String> {
    entry["args"]["prefixItems"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    item["title"]
                        .as_str()
                        .map_or(format!("#{}", i + 1), str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggests_the_nearest_uris() {
        let known: Vec<String> = ["com.math.add", "com.math.divide", "com.chat.send"]
            .map(String::from)
            .into();
        assert_eq!(closest("com.math.ad", &known)[0], "com.math.add");
        assert_eq!(closest("com.math.dvide", &known)[0], "com.math.divide");
        assert!(closest("org.other.thing.entirely", &known).is_empty());
    }
}
