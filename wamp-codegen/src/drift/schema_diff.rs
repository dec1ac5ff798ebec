//! Comparing two JSON Schemas of the same value: each difference says
//! whether it breaks a value flowing *in* (a parameter: the new schema must
//! accept every old value) or *out* (a result: old clients must accept every
//! new value).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::{Map, Value as Json};

use crate::schema::{is_null_type, is_nullable, ref_name, resolve, without_null};

/// How deep schemas are compared (a bound for recursive types).
const MAX_DEPTH: usize = 24;

/// Keywords that document a schema without constraining it.
const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "examples",
    "default",
    "$comment",
    "deprecated",
];

/// One difference between two schemas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Diff {
    /// Where inside the value (`""` for the value itself, ` field x`).
    pub(super) path: String,
    /// What changed.
    pub(super) description: String,
    /// Breaks a value flowing in (a parameter).
    pub(super) breaks_input: bool,
    /// Breaks a value flowing out (a result, progress).
    pub(super) breaks_output: bool,
}

/// The two catalogs' `$defs` and the differences found so far.
pub(super) struct Differ<'a> {
    old_defs: &'a BTreeMap<String, Json>,
    new_defs: &'a BTreeMap<String, Json>,
    seen: HashSet<(String, String)>,
    pub(super) diffs: Vec<Diff>,
}

impl<'a> Differ<'a> {
    /// A differ for schemas of these catalogs.
    pub(super) fn new(
        old_defs: &'a BTreeMap<String, Json>,
        new_defs: &'a BTreeMap<String, Json>,
    ) -> Self {
        Differ {
            old_defs,
            new_defs,
            seen: HashSet::new(),
            diffs: Vec::new(),
        }
    }

    fn push(&mut self, path: &str, description: String, breaks_input: bool, breaks_output: bool) {
        self.diffs.push(Diff {
            path: path.to_owned(),
            description,
            breaks_input,
            breaks_output,
        });
    }

    /// A widened schema (accepts more): fine for inputs, breaks outputs.
    fn widened(&mut self, path: &str, description: String) {
        self.push(path, description, false, true);
    }

    /// A narrowed schema (accepts less): breaks inputs, fine for outputs.
    fn narrowed(&mut self, path: &str, description: String) {
        self.push(path, description, true, false);
    }

    /// Compares the old and new schema of one value at `path`.
    pub(super) fn diff(&mut self, path: &str, old: &Json, new: &Json) {
        self.diff_at(path, old, new, 0);
    }

    fn diff_at(&mut self, path: &str, old: &Json, new: &Json, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        if let (Some(o), Some(n)) = (ref_name(old), ref_name(new))
            && !self.seen.insert((o.to_owned(), n.to_owned()))
        {
            return;
        }
        let (o, n) = (resolve(old, self.old_defs), resolve(new, self.new_defs));
        let (o, n) = (strip(o), strip(n));
        // Equal text is equal schemas unless it refers to `$defs`, which may differ.
        if o == n && !o.to_string().contains("\"$ref\"") {
            return;
        }
        let (o_any, n_any) = (is_any(&o), is_any(&n));
        if o_any || n_any {
            let what = format!("type changed from {} to {}", describe(old), describe(new));
            if n_any {
                self.widened(path, what);
            } else {
                self.narrowed(path, what);
            }
            return;
        }
        match (is_nullable(&o), is_nullable(&n)) {
            (false, true) => self.widened(path, "now also accepts null".into()),
            (true, false) => self.narrowed(path, "no longer accepts null".into()),
            _ => {}
        }
        let (o, n) = (without_null(&o), without_null(&n));
        let (o, n) = (
            strip(resolve(&o, self.old_defs)),
            strip(resolve(&n, self.new_defs)),
        );
        let (ov, nv) = (variants(&o), variants(&n));
        match (ov, nv) {
            (Some(ov), Some(nv)) => self.diff_variants(path, &ov, &nv, depth),
            (None, None) => self.diff_typed(path, old, new, &o, &n, depth),
            _ => self.push(
                path,
                format!("type changed from {} to {}", describe(old), describe(new)),
                true,
                true,
            ),
        }
    }

    fn diff_variants(
        &mut self,
        path: &str,
        old: &BTreeMap<String, Json>,
        new: &BTreeMap<String, Json>,
        depth: usize,
    ) {
        for (key, o) in old {
            match new.get(key) {
                Some(n) => self.diff_at(&format!("{path} variant {key}"), o, n, depth + 1),
                None => self.narrowed(path, format!("variant {key} removed")),
            }
        }
        for key in new.keys().filter(|k| !old.contains_key(*k)) {
            self.widened(path, format!("variant {key} added"));
        }
    }

    fn diff_typed(
        &mut self,
        path: &str,
        old_raw: &Json,
        new_raw: &Json,
        o: &Json,
        n: &Json,
        depth: usize,
    ) {
        let (ot, nt) = (types(o), types(n));
        if ot != nt {
            let what = format!(
                "type changed from {} to {}",
                describe(old_raw),
                describe(new_raw)
            );
            if subsumes(&nt, &ot) {
                self.widened(path, what);
            } else if subsumes(&ot, &nt) {
                self.narrowed(path, what);
            } else {
                self.push(path, what, true, true);
            }
            return;
        }
        if ot.contains("integer") || ot.contains("number") {
            self.diff_range(path, o, n);
        }
        if ot.contains("object") {
            self.diff_object(path, o, n, depth);
        }
        if ot.contains("array") {
            self.diff_array(path, o, n, depth);
        }
    }

    fn diff_range(&mut self, path: &str, o: &Json, n: &Json) {
        let (or, nr) = (range(o), range(n));
        if or == nr {
            return;
        }
        let what = format!("range changed from {} to {}", describe(o), describe(n));
        if nr.0 <= or.0 && nr.1 >= or.1 {
            self.widened(path, what);
        } else if nr.0 >= or.0 && nr.1 <= or.1 {
            self.narrowed(path, what);
        } else {
            self.push(path, what, true, true);
        }
    }

    fn diff_object(&mut self, path: &str, o: &Json, n: &Json, depth: usize) {
        let empty = Map::new();
        let op = o
            .get("properties")
            .and_then(Json::as_object)
            .unwrap_or(&empty);
        let np = n
            .get("properties")
            .and_then(Json::as_object)
            .unwrap_or(&empty);
        let (oreq, nreq) = (required(o), required(n));
        let closed = |s: &Json| s.get("additionalProperties") == Some(&Json::Bool(false));
        let (o_closed, n_closed) = (closed(o), closed(n));
        for (name, os) in op {
            let at = format!("{path} field {name}");
            match np.get(name) {
                Some(ns) => {
                    self.diff_at(&at, os, ns, depth + 1);
                    match (oreq.contains(name.as_str()), nreq.contains(name.as_str())) {
                        (false, true) => self.narrowed(&at, "became required".into()),
                        (true, false) => self.widened(&at, "became optional".into()),
                        _ => {}
                    }
                }
                None => self.push(&at, "removed".into(), n_closed, true),
            }
        }
        for (name, ns) in np.iter().filter(|(k, _)| !op.contains_key(*k)) {
            let at = format!("{path} field {name}");
            if nreq.contains(name.as_str()) {
                self.push(
                    &at,
                    format!("added, required ({})", describe(ns)),
                    true,
                    o_closed,
                );
            } else {
                self.push(
                    &at,
                    format!("added, optional ({})", describe(ns)),
                    false,
                    o_closed,
                );
            }
        }
    }

    fn diff_array(&mut self, path: &str, o: &Json, n: &Json, depth: usize) {
        if let (Some(oi), Some(ni)) = (o.get("items"), n.get("items"))
            && oi.is_object()
            && ni.is_object()
        {
            self.diff_at(&format!("{path} items"), oi, ni, depth + 1);
        }
        let none = Vec::new();
        let op = o
            .get("prefixItems")
            .and_then(Json::as_array)
            .unwrap_or(&none);
        let np = n
            .get("prefixItems")
            .and_then(Json::as_array)
            .unwrap_or(&none);
        for (i, (oi, ni)) in op.iter().zip(np).enumerate() {
            self.diff_at(&format!("{path} element {i}"), oi, ni, depth + 1);
        }
        if op.len() != np.len() {
            self.push(
                path,
                format!("tuple length changed from {} to {}", op.len(), np.len()),
                true,
                true,
            );
        }
    }
}

/// A schema without its annotations.
fn strip(schema: &Json) -> Json {
    match schema {
        Json::Object(map) => Json::Object(
            map.iter()
                .filter(|(k, _)| !ANNOTATIONS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Whether a schema accepts anything (`true`, `{}`).
fn is_any(schema: &Json) -> bool {
    schema == &Json::Bool(true) || schema.as_object().is_some_and(Map::is_empty)
}

/// The alternatives of a choice (`oneOf`, `anyOf`, `enum`), keyed by their
/// constant, reference name or position; `None` when it is not a choice.
fn variants(schema: &Json) -> Option<BTreeMap<String, Json>> {
    if let Some(values) = schema.get("enum").and_then(Json::as_array) {
        return Some(
            values
                .iter()
                .filter(|v| !v.is_null())
                .map(|v| (v.to_string(), serde_json::json!({ "const": v })))
                .collect(),
        );
    }
    let branches = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Json::as_array)?;
    Some(
        branches
            .iter()
            .filter(|b| !is_null_type(b))
            .enumerate()
            .map(|(i, b)| {
                let key = match (
                    b.get("const"),
                    ref_name(b),
                    b.get("title").and_then(Json::as_str),
                ) {
                    (Some(c), _, _) => c.to_string(),
                    (None, Some(r), _) => r.to_owned(),
                    (None, None, Some(t)) => t.to_owned(),
                    _ => format!("#{i}"),
                };
                (key, b.clone())
            })
            .collect(),
    )
}

/// The JSON types a schema allows (`object` when it has properties).
fn types(schema: &Json) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    match schema.get("type") {
        Some(Json::String(t)) => {
            out.insert(t.clone());
        }
        Some(Json::Array(ts)) => out.extend(ts.iter().filter_map(Json::as_str).map(str::to_owned)),
        _ => {
            if schema.get("properties").is_some() {
                out.insert("object".into());
            } else if let Some(c) = schema.get("const") {
                out.insert(json_type(c).into());
            }
        }
    }
    out.remove("null");
    out
}

fn json_type(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(n) if n.is_f64() => "number",
        Json::Number(_) => "integer",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

/// Whether every value of the types `small` is one of the types `big`
/// (an integer is a number).
fn subsumes(big: &BTreeSet<String>, small: &BTreeSet<String>) -> bool {
    small
        .iter()
        .all(|t| big.contains(t) || (t == "integer" && big.contains("number")))
}

/// The names listed in `required`.
fn required(schema: &Json) -> BTreeSet<&str> {
    schema
        .get("required")
        .and_then(Json::as_array)
        .map(|r| r.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default()
}

/// The numeric range of a schema, from its `format` and bounds.
fn range(schema: &Json) -> (f64, f64) {
    let (mut lo, mut hi) = match schema.get("format").and_then(Json::as_str) {
        Some("int8") => (i8::MIN as f64, i8::MAX as f64),
        Some("int16") => (i16::MIN as f64, i16::MAX as f64),
        Some("int32") => (i32::MIN as f64, i32::MAX as f64),
        Some("int64") => (i64::MIN as f64, i64::MAX as f64),
        Some("uint8") => (0.0, u8::MAX as f64),
        Some("uint16") => (0.0, u16::MAX as f64),
        Some("uint32") => (0.0, u32::MAX as f64),
        Some("uint64") => (0.0, u64::MAX as f64),
        Some("float") => (f32::MIN as f64, f32::MAX as f64),
        _ => (f64::NEG_INFINITY, f64::INFINITY),
    };
    if let Some(min) = schema.get("minimum").and_then(Json::as_f64) {
        lo = lo.max(min);
    }
    if let Some(max) = schema.get("maximum").and_then(Json::as_f64) {
        hi = hi.min(max);
    }
    (lo, hi)
}

/// A short description of a schema: `integer (int64)`, `array of number`,
/// `Stats`, `"up" or "down"`, `string or null`.
pub(crate) fn describe(schema: &Json) -> String {
    if let Some(name) = ref_name(schema) {
        return name.to_owned();
    }
    if is_any(schema) {
        return "any".into();
    }
    if let Some(c) = schema.get("const") {
        return c.to_string();
    }
    if let Some(values) = schema.get("enum").and_then(Json::as_array) {
        return values
            .iter()
            .map(Json::to_string)
            .collect::<Vec<_>>()
            .join(" or ");
    }
    if let Some(branches) = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Json::as_array)
    {
        return branches
            .iter()
            .map(describe)
            .collect::<Vec<_>>()
            .join(" or ");
    }
    let mut parts: Vec<String> = types(schema)
        .into_iter()
        .map(
            |t| match (t.as_str(), schema.get("format").and_then(Json::as_str)) {
                ("array", _) => match schema.get("items") {
                    Some(items) if items.is_object() => format!("array of {}", describe(items)),
                    _ => "array".into(),
                },
                (t, Some(f)) => format!("{t} ({f})"),
                (t, None) => t.to_owned(),
            },
        )
        .collect();
    if is_nullable(schema) {
        parts.push("null".into());
    }
    if parts.is_empty() {
        "any".into()
    } else {
        parts.join(" or ")
    }
}
