//! JSON Schema to TypeScript types: objects, arrays, tuples, enums and
//! `oneOf`/`anyOf` unions, `$ref`s to `$defs`, nullable values, integers as
//! `number`, base64 or binary strings as `Uint8Array`.

use heck::ToUpperCamelCase as _;
use serde_json::{Map, Value as Json};

use crate::schema::ref_name;

/// How deep a schema is followed (deeper parts become `unknown`).
const MAX_DEPTH: usize = 32;

/// The TypeScript name of a `$defs` entry.
pub(super) fn type_name(def: &str) -> String {
    let name = def.to_upper_camel_case();
    match name.chars().next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => name,
        _ => format!("T{name}"),
    }
}

/// The TypeScript type of a schema.
pub(super) fn ts_type(schema: &Json) -> String {
    ty(schema, 0)
}

fn ty(schema: &Json, depth: usize) -> String {
    if depth > MAX_DEPTH {
        return "unknown".into();
    }
    let map = match schema {
        Json::Bool(true) => return "unknown".into(),
        Json::Bool(false) => return "never".into(),
        Json::Object(map) => map,
        _ => return "unknown".into(),
    };
    if let Some(name) = ref_name(schema) {
        return type_name(name);
    }
    if let Some(c) = map.get("const") {
        return c.to_string();
    }
    if let Some(values) = map.get("enum").and_then(Json::as_array) {
        return union(values.iter().map(Json::to_string));
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = map.get(key).and_then(Json::as_array) {
            return union(branches.iter().map(|b| ty(b, depth + 1)));
        }
    }
    if let Some(parts) = map.get("allOf").and_then(Json::as_array) {
        let parts: Vec<String> = parts.iter().map(|p| paren(ty(p, depth + 1))).collect();
        return if parts.is_empty() {
            "unknown".into()
        } else {
            parts.join(" & ")
        };
    }
    match map.get("type") {
        Some(Json::String(t)) => of_type(t, map, depth),
        Some(Json::Array(ts)) => union(
            ts.iter()
                .filter_map(Json::as_str)
                .map(|t| of_type(t, map, depth)),
        ),
        _ if map.contains_key("properties") => object(map, depth),
        _ => "unknown".into(),
    }
}

fn of_type(t: &str, map: &Map<String, Json>, depth: usize) -> String {
    match t {
        "null" => "null".into(),
        "boolean" => "boolean".into(),
        "integer" | "number" => "number".into(),
        "string" => {
            let binary = map.get("contentEncoding").is_some_and(|e| e == "base64")
                || map
                    .get("format")
                    .is_some_and(|f| f == "binary" || f == "byte");
            if binary { "Uint8Array" } else { "string" }.into()
        }
        "array" => array(map, depth),
        "object" => object(map, depth),
        _ => "unknown".into(),
    }
}

fn array(map: &Map<String, Json>, depth: usize) -> String {
    let rest = map.get("items");
    if let Some(prefix) = map.get("prefixItems").and_then(Json::as_array) {
        let min = map.get("minItems").and_then(Json::as_u64).unwrap_or(0) as usize;
        let mut parts: Vec<String> = prefix
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let t = ty(s, depth + 1);
                if i < min { t } else { format!("{}?", paren(t)) }
            })
            .collect();
        match rest {
            Some(Json::Bool(false)) => {}
            Some(s) => parts.push(format!("...{}[]", paren(ty(s, depth + 1)))),
            None => parts.push("...unknown[]".into()),
        }
        return format!("[{}]", parts.join(", "));
    }
    match rest {
        Some(s) => format!("{}[]", paren(ty(s, depth + 1))),
        None => "unknown[]".into(),
    }
}

fn object(map: &Map<String, Json>, depth: usize) -> String {
    let required: Vec<&str> = map
        .get("required")
        .and_then(Json::as_array)
        .map(|r| r.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    let mut fields = Vec::new();
    if let Some(props) = map.get("properties").and_then(Json::as_object) {
        for (name, s) in props {
            let doc = s
                .get("description")
                .and_then(Json::as_str)
                .map(|d| format!("/** {} */ ", doc_text(d)))
                .unwrap_or_default();
            let opt = if required.contains(&name.as_str()) {
                ""
            } else {
                "?"
            };
            fields.push(format!(
                "{doc}{}{opt}: {};",
                property_name(name),
                ty(s, depth + 1)
            ));
        }
    }
    let extra = match map.get("additionalProperties") {
        Some(Json::Bool(false)) => None,
        Some(Json::Bool(true)) | None if !fields.is_empty() => None,
        Some(Json::Bool(true)) | None => Some("unknown".to_owned()),
        Some(s) => Some(ty(s, depth + 1)),
    };
    match (fields.is_empty(), extra) {
        (true, None) => "Record<string, never>".into(),
        (true, Some(e)) => format!("Record<string, {e}>"),
        (false, None) => format!("{{ {} }}", fields.join(" ")),
        (false, Some(e)) => format!("{{ {} [key: string]: {e} | undefined; }}", fields.join(" ")),
    }
}

/// Parentheses around a union or intersection used inside another type.
fn paren(t: String) -> String {
    if t.contains(" | ") || t.contains(" & ") {
        format!("({t})")
    } else {
        t
    }
}

fn union(parts: impl Iterator<Item = String>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for p in parts {
        if !seen.contains(&p) {
            seen.push(p);
        }
    }
    match seen.len() {
        0 => "never".into(),
        _ => seen.join(" | "),
    }
}

/// A property name, quoted when it is not an identifier.
pub(super) fn property_name(name: &str) -> String {
    let ident = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if ident {
        name.to_owned()
    } else {
        Json::String(name.to_owned()).to_string()
    }
}

/// Text safe inside a `/** */` comment.
pub(super) fn doc_text(text: &str) -> String {
    text.replace("*/", "*\\/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types() {
        let cases = [
            (json!({"type": "integer", "format": "int64"}), "number"),
            (json!({"type": ["integer", "null"]}), "number | null"),
            (json!({"$ref": "#/$defs/my_type"}), "MyType"),
            (
                json!({"anyOf": [{"$ref": "#/$defs/R"}, {"type": "null"}]}),
                "R | null",
            ),
            (
                json!({"oneOf": [{"const": "a"}, {"const": "b"}]}),
                "\"a\" | \"b\"",
            ),
            (json!({"enum": [1, "x"]}), "1 | \"x\""),
            (
                json!({"type": "array", "items": {"type": ["string", "null"]}}),
                "(string | null)[]",
            ),
            (
                json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}], "minItems": 1, "items": false}),
                "[string, number?]",
            ),
            (
                json!({"type": "string", "contentEncoding": "base64"}),
                "Uint8Array",
            ),
            (
                json!({"type": "object", "required": ["a"], "properties": {"a": {"type": "boolean"}, "b-c": {"type": "string"}}}),
                "{ a: boolean; \"b-c\"?: string; }",
            ),
            (
                json!({"type": "object", "additionalProperties": {"type": "number"}}),
                "Record<string, number>",
            ),
            (json!(true), "unknown"),
        ];
        for (schema, want) in cases {
            assert_eq!(ts_type(&schema), want, "{schema}");
        }
    }
}
