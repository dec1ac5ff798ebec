//! What Markdown and HTML share: schemas as type labels and table rows.

use serde_json::{Map, Value as Json};

use super::schema_refs::{def_name, resolve};

/// How a renderer writes text and links to type definitions.
pub(super) trait Style {
    /// Escapes plain text.
    fn text(&self, s: &str) -> String;
    /// A link to the definition `name`.
    fn link(&self, name: &str) -> String;
}

/// One row of a schema table.
pub(super) struct Row {
    pub(super) name: String,
    pub(super) ty: String,
    pub(super) required: bool,
    pub(super) description: String,
}

/// A short label of a schema's type: `integer (int64)`, `array of Item`,
/// `string or null`, ...
pub(super) fn type_label(schema: &Json, style: &dyn Style) -> String {
    label(schema, style, 0)
}

fn label(schema: &Json, style: &dyn Style, depth: usize) -> String {
    if depth > 8 {
        return style.text("…");
    }
    let s = match schema {
        Json::Bool(true) => return style.text("any"),
        Json::Bool(false) => return style.text("nothing"),
        Json::Null => return style.text("nothing"),
        Json::Object(s) => s,
        _ => return style.text("?"),
    };
    if let Some(name) = s.get("$ref").and_then(Json::as_str).and_then(def_name) {
        return style.link(name);
    }
    if let Some(c) = s.get("const") {
        return style.text(&format!("const {c}"));
    }
    if let Some(Json::Array(values)) = s.get("enum") {
        let v: Vec<String> = values.iter().map(Json::to_string).collect();
        return style.text(&format!("one of {}", v.join(", ")));
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Json::Array(variants)) = s.get(key) {
            let labels: Vec<String> = variants
                .iter()
                .map(|v| label(v, style, depth + 1))
                .collect();
            return labels.join(&style.text(" or "));
        }
    }
    if let Some(Json::Array(parts)) = s.get("allOf") {
        let labels: Vec<String> = parts.iter().map(|v| label(v, style, depth + 1)).collect();
        return labels.join(&style.text(" and "));
    }
    let types: Vec<&str> = match s.get("type") {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(t)) => t.iter().filter_map(Json::as_str).collect(),
        _ if s.contains_key("properties") => vec!["object"],
        _ => vec![],
    };
    if types.is_empty() {
        return style.text("any");
    }
    let parts: Vec<String> = types
        .iter()
        .map(|t| match *t {
            "array" => {
                if let Some(Json::Array(prefix)) = s.get("prefixItems") {
                    let items: Vec<String> =
                        prefix.iter().map(|p| label(p, style, depth + 1)).collect();
                    format!("{}{}{}", style.text("["), items.join(", "), style.text("]"))
                } else if let Some(items) = s.get("items").filter(|i| i.is_object()) {
                    format!(
                        "{}{}",
                        style.text("array of "),
                        label(items, style, depth + 1)
                    )
                } else {
                    style.text("array")
                }
            }
            "object" => match s.get("additionalProperties") {
                Some(v @ Json::Object(_)) if !s.contains_key("properties") => format!(
                    "{}{}",
                    style.text("map of string to "),
                    label(v, style, depth + 1)
                ),
                _ => style.text("object"),
            },
            "null" => style.text("null"),
            other => {
                let mut out = other.to_owned();
                let mut notes = Vec::new();
                if let Some(f) = s.get("format").and_then(Json::as_str) {
                    notes.push(f.to_owned());
                }
                if let Some(m) = s.get("minimum") {
                    notes.push(format!("≥ {m}"));
                }
                if let Some(m) = s.get("maximum") {
                    notes.push(format!("≤ {m}"));
                }
                if let Some(p) = s.get("pattern").and_then(Json::as_str) {
                    notes.push(format!("pattern {p}"));
                }
                if !notes.is_empty() {
                    out = format!("{out} ({})", notes.join(", "));
                }
                style.text(&out)
            }
        })
        .collect();
    parts.join(&style.text(" or "))
}

fn description(schema: &Json) -> String {
    schema
        .get("description")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The rows of the positional arguments (`prefixItems`).
pub(super) fn arg_rows(args: &Json, style: &dyn Style) -> Vec<Row> {
    let min = args.get("minItems").and_then(Json::as_u64).unwrap_or(0) as usize;
    args.get("prefixItems")
        .and_then(Json::as_array)
        .map(|items| {
            items
                .iter()
                .enumerate()
                .map(|(i, item)| Row {
                    name: item
                        .get("title")
                        .and_then(Json::as_str)
                        .map_or_else(|| format!("#{i}"), str::to_owned),
                    ty: type_label(item, style),
                    required: i < min,
                    description: description(item),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The rows of an object schema's properties (following a `$ref`).
pub(super) fn property_rows(
    schema: &Json,
    defs: &Map<String, Json>,
    style: &dyn Style,
) -> Vec<Row> {
    let schema = resolve(schema, defs);
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Json::as_array)
        .map(|r| r.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    schema
        .get("properties")
        .and_then(Json::as_object)
        .map(|props| {
            props
                .iter()
                .map(|(name, prop)| Row {
                    name: name.clone(),
                    ty: type_label(prop, style),
                    required: required.contains(&name.as_str()),
                    description: description(prop),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The rows of a type definition: its properties, or its variants for an
/// enum (`oneOf`), or one row of its type.
pub(super) fn def_rows(schema: &Json, defs: &Map<String, Json>, style: &dyn Style) -> Vec<Row> {
    let props = property_rows(schema, defs, style);
    if !props.is_empty() {
        return props;
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Json::Array(variants)) = schema.get(key) {
            return variants
                .iter()
                .enumerate()
                .map(|(i, v)| Row {
                    name: v
                        .get("title")
                        .and_then(Json::as_str)
                        .map(str::to_owned)
                        .or_else(|| v.get("const").map(Json::to_string))
                        .unwrap_or_else(|| format!("variant {}", i + 1)),
                    ty: type_label(v, style),
                    required: false,
                    description: description(v),
                })
                .collect();
        }
    }
    vec![Row {
        name: "(value)".into(),
        ty: type_label(schema, style),
        required: true,
        description: String::new(),
    }]
}

/// `procedures`, `topics` and `$defs` of a catalog document.
pub(super) fn parts(doc: &Json) -> (&[Json], &[Json], Map<String, Json>) {
    let list = |k: &str| doc.get(k).and_then(Json::as_array).map_or(&[][..], |v| v);
    let defs = doc
        .get("$defs")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    (list("procedures"), list("topics"), defs)
}

/// A string field of an entry.
pub(super) fn field<'a>(entry: &'a Json, key: &str) -> &'a str {
    entry.get(key).and_then(Json::as_str).unwrap_or_default()
}

/// The example call of an entry in Python (Autobahn) and JavaScript
/// (autobahn-js).
pub(super) fn example_snippets(entry: &Json, topic: bool) -> (String, String) {
    let uri = field(entry, "uri");
    let example = entry.get("example").cloned().unwrap_or(Json::Null);
    let args: Vec<Json> = example
        .get("args")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let kwargs = example
        .get("kwargs")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    let py_value = |v: &Json| python_literal(v);
    let mut py_args: Vec<String> = vec![format!("{:?}", uri)];
    py_args.extend(args.iter().map(py_value));
    py_args.extend(kwargs.iter().map(|(k, v)| format!("{k}={}", py_value(v))));
    let verb = if topic { "publish" } else { "call" };
    let python = if topic {
        format!("session.publish({})", py_args.join(", "))
    } else {
        format!("result = await session.call({})", py_args.join(", "))
    };
    let args_js = Json::Array(args).to_string();
    let kwargs_js = Json::Object(kwargs).to_string();
    let js = if topic {
        format!("session.{verb}({uri:?}, {args_js}, {kwargs_js});")
    } else {
        format!("const result = await session.{verb}({uri:?}, {args_js}, {kwargs_js});")
    };
    (python, js)
}

fn python_literal(v: &Json) -> String {
    match v {
        Json::Null => "None".into(),
        Json::Bool(true) => "True".into(),
        Json::Bool(false) => "False".into(),
        Json::Number(_) | Json::String(_) => v.to_string(),
        Json::Array(a) => format!(
            "[{}]",
            a.iter().map(python_literal).collect::<Vec<_>>().join(", ")
        ),
        Json::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{}: {}", Json::String(k.clone()), python_literal(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
