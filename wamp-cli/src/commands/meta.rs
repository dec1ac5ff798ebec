//! `wamp list` and `wamp describe` (reflection), `wamp sessions` and
//! `wamp registrations` (meta API).

use serde_json::{Value as Json, json};
use wamp::Session;

use crate::commands::print_line;
use crate::error::{CliError, EXIT_ERROR};
use crate::reflection::{call_json, catalog, closest};
use crate::render;

fn entries(catalog: &Json, key: &str) -> Vec<Json> {
    catalog[key].as_array().cloned().unwrap_or_default()
}

/// `wamp list`.
pub(crate) async fn list(session: &Session) -> Result<(), CliError> {
    let catalog = catalog(session).await?;
    let text = render::list(
        &entries(&catalog, "procedures"),
        &entries(&catalog, "topics"),
    );
    print_line(text.trim_end());
    Ok(())
}

/// Whether `uri` is `filter` or lies under it (`com.math` covers `com.math.add`).
fn matches(uri: &str, filter: &str) -> bool {
    uri == filter
        || uri.starts_with(filter)
            && (filter.ends_with('.') || uri[filter.len()..].starts_with('.'))
}

/// `wamp describe [URI|PREFIX]`.
pub(crate) async fn describe(session: &Session, filter: Option<&str>) -> Result<(), CliError> {
    let catalog = catalog(session).await?;
    let all: Vec<Json> = entries(&catalog, "procedures")
        .into_iter()
        .chain(entries(&catalog, "topics"))
        .collect();
    let chosen: Vec<Json> = all
        .iter()
        .filter(|e| filter.is_none_or(|f| e["uri"].as_str().is_some_and(|u| matches(u, f))))
        .cloned()
        .collect();
    if chosen.is_empty() {
        let Some(filter) = filter else {
            print_line("nothing is registered or subscribed on this realm");
            return Ok(());
        };
        let known: Vec<String> = all
            .iter()
            .filter_map(|e| e["uri"].as_str().map(str::to_owned))
            .collect();
        let near = closest(filter, &known);
        let error = CliError::new(
            EXIT_ERROR,
            format!("no procedure or topic on this realm is or starts with {filter}"),
        );
        return Err(if near.is_empty() {
            error.hint("`wamp list` shows what the realm serves")
        } else {
            error.hint(format!("did you mean {}?", near.join(" or ")))
        });
    }
    let text = render::describe(&chosen, &catalog["$defs"]);
    print_line(text.trim_end());
    Ok(())
}

async fn meta(session: &Session, procedure: &str, args: &[Json]) -> Result<Json, CliError> {
    call_json(session, procedure, args).await.map_err(|e| {
        let error = CliError::remote(&e);
        if e.is("wamp.error.no_such_procedure") {
            error.hint("the router does not offer the meta API on this realm (Crossbar.io: \"enable_meta_api\": true in the realm's options)")
        } else if e.is("wamp.error.not_authorized") {
            error.hint(format!("your role may not call {procedure}"))
        } else {
            error
        }
    })
}

/// Prints rows as aligned columns under `header`.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut width: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .zip(&width)
            .map(|(c, w)| format!("{c:w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    let mut out = vec![line(header.iter().map(|h| h.to_string()).collect())];
    out.extend(rows.iter().map(|r| line(r.clone())));
    out.join("\n")
}

fn cell(v: &Json) -> String {
    match v {
        Json::Null => "-".to_owned(),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `wamp sessions`: `wamp.session.list`, then `wamp.session.get` of each.
pub(crate) async fn sessions(session: &Session, as_json: bool) -> Result<(), CliError> {
    let ids = meta(session, "wamp.session.list", &[]).await?;
    let mut details = Vec::new();
    for id in ids.as_array().into_iter().flatten() {
        // A session may leave between the list and the get.
        if let Ok(d) = call_json(session, "wamp.session.get", std::slice::from_ref(id)).await {
            details.push(d);
        }
    }
    if as_json {
        print_line(&Json::Array(details).to_string());
        return Ok(());
    }
    let me = session.id();
    let rows: Vec<Vec<String>> = details
        .iter()
        .map(|d| {
            let id = cell(&d["session"]);
            let transport = &d["transport"];
            let peer = transport["peer"]
                .as_str()
                .or(transport["type"].as_str())
                .unwrap_or("-");
            vec![
                if d["session"] == json!(me) {
                    format!("{id} (this)")
                } else {
                    id
                },
                cell(&d["authid"]),
                cell(&d["authrole"]),
                cell(&d["authmethod"]),
                peer.to_owned(),
            ]
        })
        .collect();
    print_line(&table(
        &["SESSION", "AUTHID", "AUTHROLE", "AUTHMETHOD", "TRANSPORT"],
        &rows,
    ));
    Ok(())
}

/// `wamp registrations`: `wamp.registration.list`, then `get` and
/// `count_callees` of each.
pub(crate) async fn registrations(session: &Session, as_json: bool) -> Result<(), CliError> {
    let lists = meta(session, "wamp.registration.list", &[]).await?;
    let mut regs = Vec::new();
    for policy in ["exact", "prefix", "wildcard"] {
        for id in lists[policy].as_array().into_iter().flatten() {
            let args = std::slice::from_ref(id);
            let Ok(mut reg) = call_json(session, "wamp.registration.get", args).await else {
                continue; // unregistered in between
            };
            let callees = call_json(session, "wamp.registration.count_callees", args)
                .await
                .unwrap_or(Json::Null);
            if let Json::Object(m) = &mut reg {
                m.insert("callees".into(), callees);
            }
            regs.push(reg);
        }
    }
    regs.sort_by(|a, b| cell(&a["uri"]).cmp(&cell(&b["uri"])));
    if as_json {
        print_line(&Json::Array(regs).to_string());
        return Ok(());
    }
    let rows: Vec<Vec<String>> = regs
        .iter()
        .map(|r| {
            vec![
                cell(&r["uri"]),
                cell(&r["match"]),
                cell(&r["invoke"]),
                cell(&r["callees"]),
                cell(&r["id"]),
            ]
        })
        .collect();
    print_line(&table(&["URI", "MATCH", "INVOKE", "CALLEES", "ID"], &rows));
    Ok(())
}
