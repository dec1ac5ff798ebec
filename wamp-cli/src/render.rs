//! What `wamp list` and `wamp describe` print: the entries of a reflection
//! catalog (procedures and topics with their JSON Schemas) as text for a
//! terminal.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value as Json;

/// A schema as a short type: `integer`, `array of number`, `Rounding | null`,
/// `"nearest" | "down" | "up"` (named enums expanded when `expand`).
pub(crate) fn type_name(schema: &Json, defs: &Json, expand: bool) -> String {
    if let Some(name) = ref_name(schema) {
        let def = &defs[name];
        if expand && let Some(consts) = consts(def) {
            return consts;
        }
        return name.to_owned();
    }
    if let Some(consts) = consts(schema) {
        return consts;
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(options) = schema[key].as_array() {
            let names: Vec<String> = options.iter().map(|o| type_name(o, defs, expand)).collect();
            return names.join(" | ");
        }
    }
    match &schema["type"] {
        Json::String(t) => base_type(t, schema, defs, expand),
        Json::Array(types) => types
            .iter()
            .filter_map(Json::as_str)
            .map(|t| base_type(t, schema, defs, expand))
            .collect::<Vec<_>>()
            .join(" | "),
        _ if schema == &Json::Bool(true) || schema.as_object().is_some_and(|m| m.is_empty()) => {
            "any".to_owned()
        }
        _ => "any".to_owned(),
    }
}

fn base_type(t: &str, schema: &Json, defs: &Json, expand: bool) -> String {
    match t {
        "array" => {
            if let Some(items) = schema["prefixItems"].as_array() {
                let parts: Vec<String> = items.iter().map(|i| type_name(i, defs, expand)).collect();
                format!("[{}]", parts.join(", "))
            } else if schema["items"].is_object() {
                format!("array of {}", type_name(&schema["items"], defs, expand))
            } else {
                "array".to_owned()
            }
        }
        "integer" | "number" => {
            let (min, max) = (&schema["minimum"], &schema["maximum"]);
            match (min.is_number(), max.is_number()) {
                (true, true) => format!("{t} {min}..={max}"),
                (true, false) => format!("{t} >= {min}"),
                (false, true) => format!("{t} <= {max}"),
                _ => t.to_owned(),
            }
        }
        other => other.to_owned(),
    }
}

fn ref_name(schema: &Json) -> Option<&str> {
    schema["$ref"].as_str()?.strip_prefix("#/$defs/")
}

/// `"a" | "b"` for a schema that is an enum of constants.
fn consts(schema: &Json) -> Option<String> {
    let values: Vec<&Json> = if let Some(values) = schema["enum"].as_array() {
        values.iter().collect()
    } else if let Some(options) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        options
            .iter()
            .map(|o| o.get("const"))
            .collect::<Option<Vec<_>>>()?
    } else {
        return schema.get("const").map(Json::to_string);
    };
    (!values.is_empty()).then(|| {
        values
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(" | ")
    })
}

/// The first sentence of a doc text's first paragraph, on one line.
fn summary(doc: &Json) -> String {
    let text = doc.as_str().unwrap_or("");
    let paragraph: Vec<&str> = text
        .lines()
        .map(str::trim)
        .take_while(|l| !l.is_empty())
        .collect();
    let joined = paragraph.join(" ");
    match joined.find(". ") {
        Some(end) => joined[..=end].to_owned(),
        None => joined,
    }
}

/// `wamp list`: one line per procedure and topic with its summary.
pub(crate) fn list(procedures: &[Json], topics: &[Json]) -> String {
    let width = procedures
        .iter()
        .chain(topics)
        .filter_map(|e| e["uri"].as_str())
        .map(str::len)
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (title, entries) in [("procedures", procedures), ("topics", topics)] {
        let _ = writeln!(out, "{title} ({}):", entries.len());
        for e in entries {
            let uri = e["uri"].as_str().unwrap_or("?");
            let line = format!("  {uri:width$}  {}", summary(&e["doc"]));
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    out
}

/// `wamp describe`: each entry with its doc, parameters, result, errors and
/// the named types it uses.
pub(crate) fn describe(entries: &[Json], defs: &Json) -> String {
    let mut out = String::new();
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        entry(&mut out, e, defs);
    }
    out
}

fn entry(out: &mut String, e: &Json, shared_defs: &Json) {
    // An entry from `procedure.describe` carries its own `$defs`.
    let defs = if e["$defs"].is_object() {
        &e["$defs"]
    } else {
        shared_defs
    };
    let kind = e["kind"].as_str().unwrap_or("procedure");
    let uri = e["uri"].as_str().unwrap_or("?");
    let _ = writeln!(out, "{uri}  ({kind})");
    let mut m = |label: &str, text: String| {
        let _ = writeln!(out, "  {label:<10} {text}");
    };
    match e["options"]["match"].as_str() {
        Some(policy) if policy != "exact" => m("match:", policy.to_owned()),
        _ => {}
    }
    if let Some(invoke) = e["options"]["invoke"].as_str()
        && invoke != "single"
    {
        m("invoke:", invoke.to_owned());
    }
    if let Some(doc) = e["doc"].as_str().filter(|d| !d.is_empty()) {
        for line in doc.lines() {
            let _ = writeln!(out, "  {line}").map(|_| ());
        }
    }
    if !e["args"].is_object() && !e["kwargs"].is_object() {
        let _ = writeln!(out, "  (no schema: registered without one)");
        return;
    }
    let positional = crate::reflection::positional_names(e);
    let items = e["args"]["prefixItems"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let min = e["args"]["minItems"].as_u64().unwrap_or(0) as usize;
    let word = if kind == "topic" {
        "event arguments"
    } else {
        "arguments"
    };
    let mut used = BTreeSet::new();
    if items.is_empty() {
        let _ = writeln!(out, "  {word}: none");
    } else {
        let _ = writeln!(out, "  {word}:");
        let width = positional.iter().map(String::len).max().unwrap_or(0);
        for (i, (name, schema)) in positional.iter().zip(&items).enumerate() {
            refs(schema, &mut used);
            let optional = if i >= min { "  (optional)" } else { "" };
            let _ = writeln!(
                out,
                "    {name:width$}  {}{optional}",
                type_name(schema, defs, false)
            );
        }
    }
    let keyword: Vec<(&String, &Json)> = e["kwargs"]["properties"]
        .as_object()
        .map(|p| p.iter().filter(|(k, _)| !positional.contains(k)).collect())
        .unwrap_or_default();
    if !keyword.is_empty() {
        let _ = writeln!(out, "  keyword arguments:");
        let width = keyword.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (name, schema) in keyword {
            refs(schema, &mut used);
            let _ = writeln!(out, "    {name:width$}  {}", type_name(schema, defs, false));
        }
    }
    for (label, key) in [("progress:", "progress"), ("result:", "result")] {
        if kind == "topic" || e[key].is_null() {
            continue;
        }
        refs(&e[key], &mut used);
        let _ = writeln!(out, "  {label:<10} {}", type_name(&e[key], defs, false));
    }
    if let Some(errors) = e["errors"].as_array().filter(|a| !a.is_empty()) {
        let list: Vec<&str> = errors.iter().filter_map(Json::as_str).collect();
        let _ = writeln!(out, "  {:<10} {}", "errors:", list.join(", "));
    }
    // Named types, including those they use in turn.
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = used.into_iter().collect();
    while let Some(name) = todo.pop() {
        if seen.insert(name.clone()) {
            let mut more = BTreeSet::new();
            refs(&defs[&name], &mut more);
            todo.extend(more);
        }
    }
    if !seen.is_empty() {
        let _ = writeln!(out, "  types:");
        for name in &seen {
            let _ = writeln!(out, "    {name} = {}", definition(&defs[name], defs));
        }
    }
}

/// A named type spelled out: its constants, or its fields.
fn definition(def: &Json, defs: &Json) -> String {
    if let Some(consts) = consts(def) {
        return consts;
    }
    if let Some(props) = def["properties"].as_object() {
        let required: Vec<&str> = def["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        // Declaration order where `required` keeps it, then the others.
        let mut props: Vec<(&String, &Json)> = props.iter().collect();
        props.sort_by_key(|(k, _)| {
            required
                .iter()
                .position(|r| *r == k.as_str())
                .unwrap_or(usize::MAX)
        });
        let fields: Vec<String> = props
            .into_iter()
            .map(|(k, v)| {
                let opt = if required.contains(&k.as_str()) {
                    ""
                } else {
                    "?"
                };
                format!("{k}{opt}: {}", type_name(v, defs, false))
            })
            .collect();
        return format!("{{ {} }}", fields.join(", "));
    }
    type_name(def, defs, false)
}

/// The names of the `$defs` a schema refers to.
fn refs(schema: &Json, out: &mut BTreeSet<String>) {
    match schema {
        Json::Object(m) => {
            if let Some(name) = ref_name(schema) {
                out.insert(name.to_owned());
            }
            for v in m.values() {
                refs(v, out);
            }
        }
        Json::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_read_like_types() {
        let defs = json!({"R": {"oneOf": [{"const": "a"}, {"const": "b"}]}});
        assert_eq!(
            type_name(&json!({"type": "integer"}), &defs, false),
            "integer"
        );
        assert_eq!(
            type_name(
                &json!({"type": "integer", "minimum": 0, "maximum": 255}),
                &defs,
                false
            ),
            "integer 0..=255"
        );
        assert_eq!(
            type_name(
                &json!({"type": "array", "items": {"type": "number"}}),
                &defs,
                false
            ),
            "array of number"
        );
        assert_eq!(
            type_name(
                &json!({"anyOf": [{"$ref": "#/$defs/R"}, {"type": "null"}]}),
                &defs,
                false
            ),
            "R | null"
        );
        assert_eq!(
            type_name(
                &json!({"anyOf": [{"$ref": "#/$defs/R"}, {"type": "null"}]}),
                &defs,
                true
            ),
            "\"a\" | \"b\" | null"
        );
        assert_eq!(
            type_name(&json!({"type": ["string", "null"]}), &defs, false),
            "string | null"
        );
        assert_eq!(type_name(&json!(true), &defs, false), "any");
    }
}
