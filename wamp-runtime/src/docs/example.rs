//! Example values made from JSON Schemas, for the example calls of the docs.

use serde_json::{Map, Value as Json, json};

use super::schema_refs::resolve;

/// An example value of `schema`: its first `examples` entry, `default`,
/// `const` or `enum` value if it has one, otherwise one built from its type
/// (respecting `minimum`, `minItems` and required properties). `$ref`s are
/// looked up in `defs`.
pub fn example_value(schema: &Json, defs: &Map<String, Json>) -> Json {
    value(schema, defs, 0, None)
}

fn value(schema: &Json, defs: &Map<String, Json>, depth: usize, hint: Option<&str>) -> Json {
    if depth > 12 {
        return Json::Null;
    }
    let schema = resolve(schema, defs);
    let Json::Object(s) = schema else {
        // `true` (anything) or `false`.
        return Json::Null;
    };
    if let Some(Json::Array(examples)) = s.get("examples")
        && let Some(first) = examples.first()
    {
        return first.clone();
    }
    for key in ["default", "const"] {
        if let Some(v) = s.get(key) {
            return v.clone();
        }
    }
    if let Some(Json::Array(values)) = s.get("enum")
        && let Some(first) = values.first()
    {
        return first.clone();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Json::Array(variants)) = s.get(key) {
            let pick = variants
                .iter()
                .find(|v| resolve(v, defs).get("type") != Some(&json!("null")))
                .or(variants.first());
            if let Some(v) = pick {
                return value(v, defs, depth + 1, hint);
            }
        }
    }
    if let Some(Json::Array(parts)) = s.get("allOf")
        && let Some(first) = parts.first()
    {
        return value(first, defs, depth + 1, hint);
    }
    let ty = match s.get("type") {
        Some(Json::String(t)) => t.as_str(),
        Some(Json::Array(types)) => types
            .iter()
            .filter_map(Json::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if s.contains_key("properties") => "object",
        _ if s.contains_key("prefixItems") || s.contains_key("items") => "array",
        _ => "null",
    };
    match ty {
        "null" => Json::Null,
        "boolean" => Json::Bool(true),
        "integer" => {
            let min = s.get("minimum").and_then(Json::as_i64).unwrap_or(i64::MIN);
            let max = s.get("maximum").and_then(Json::as_i64).unwrap_or(i64::MAX);
            json!(1i64.clamp(min, max.max(min)))
        }
        "number" => {
            let min = s.get("minimum").and_then(Json::as_f64).unwrap_or(f64::MIN);
            let max = s.get("maximum").and_then(Json::as_f64).unwrap_or(f64::MAX);
            json!(1.5f64.clamp(min, max.max(min)))
        }
        "string" => match s.get("format").and_then(Json::as_str) {
            Some("date-time") => json!("2024-01-01T12:00:00Z"),
            Some("date") => json!("2024-01-01"),
            Some("uuid") => json!("00000000-0000-0000-0000-000000000000"),
            _ => {
                let min = s.get("minLength").and_then(Json::as_u64).unwrap_or(0) as usize;
                let base = s
                    .get("title")
                    .and_then(Json::as_str)
                    .or(hint)
                    .unwrap_or("text")
                    .to_owned();
                if base.len() < min {
                    json!(base.repeat(min / base.len().max(1) + 1))
                } else {
                    json!(base)
                }
            }
        },
        "array" => {
            let mut out: Vec<Json> = Vec::new();
            if let Some(Json::Array(prefix)) = s.get("prefixItems") {
                out.extend(prefix.iter().map(|p| value(p, defs, depth + 1, None)));
            }
            let min = s.get("minItems").and_then(Json::as_u64).unwrap_or(0) as usize;
            match s.get("items") {
                Some(items @ Json::Object(_)) => {
                    while out.len() < min.max(1) {
                        out.push(value(items, defs, depth + 1, None));
                    }
                }
                _ => out.truncate(out.len().max(min)),
            }
            Json::Array(out)
        }
        "object" => {
            let mut out = Map::new();
            if let Some(Json::Object(props)) = s.get("properties") {
                for (name, prop) in props {
                    out.insert(name.clone(), value(prop, defs, depth + 1, Some(name)));
                }
            }
            Json::Object(out)
        }
        _ => Json::Null,
    }
}

/// The example of a catalog entry: `{"args": [...], "kwargs": {...}}` with
/// every positional argument and the required keyword-only ones.
pub(super) fn example_call(entry: &Json, defs: &Map<String, Json>) -> Json {
    let args = entry
        .get("args")
        .map(|a| value(a, defs, 0, None))
        .unwrap_or_else(|| json!([]));
    let positional: Vec<&str> = entry
        .pointer("/args/prefixItems")
        .and_then(Json::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i.get("title").and_then(Json::as_str))
                .collect()
        })
        .unwrap_or_default();
    let mut kwargs = Map::new();
    if let Some(kw) = entry.get("kwargs") {
        let kw = resolve(kw, defs);
        let required: Vec<&str> = kw
            .get("required")
            .and_then(Json::as_array)
            .map(|r| r.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        if let Some(Json::Object(props)) = kw.get("properties") {
            for (name, prop) in props {
                if required.contains(&name.as_str()) && !positional.contains(&name.as_str()) {
                    kwargs.insert(name.clone(), value(prop, defs, 0, Some(name)));
                }
            }
        }
    }
    json!({ "args": args, "kwargs": kwargs })
}
