//! JSON Schema helpers shared by the generators and the drift check:
//! following `$ref`s into `$defs`, nullability, and the translation of the
//! catalog's 2020-12 keywords into the draft-07 ones `typify` reads.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

/// How many `$ref`s in a row are followed before giving up (a cycle).
const MAX_REF_HOPS: usize = 32;

/// The name a `$ref` points to in `$defs` (`#/$defs/Name`), if any.
pub fn ref_name(schema: &Json) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Json::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
}

/// Follows `$ref`s into `defs`; an unknown or cyclic reference gives the
/// schema as it was.
pub fn resolve<'a>(mut schema: &'a Json, defs: &'a BTreeMap<String, Json>) -> &'a Json {
    for _ in 0..MAX_REF_HOPS {
        match ref_name(schema).and_then(|n| defs.get(n)) {
            Some(target) => schema = target,
            None => return schema,
        }
    }
    schema
}

/// Whether `null` is a valid value: `"type": [..., "null"]`, `"type":
/// "null"`, or an `anyOf`/`oneOf` with a `null` branch.
pub fn is_nullable(schema: &Json) -> bool {
    match schema.get("type") {
        Some(Json::String(t)) if t == "null" => return true,
        Some(Json::Array(ts)) if ts.iter().any(|t| t == "null") => return true,
        _ => {}
    }
    ["anyOf", "oneOf"].iter().any(|k| {
        schema
            .get(*k)
            .and_then(Json::as_array)
            .is_some_and(|bs| bs.iter().any(is_null_type))
    })
}

/// Whether a schema is exactly `{"type": "null"}` (or `"const": null`).
pub fn is_null_type(schema: &Json) -> bool {
    schema.get("type").is_some_and(|t| t == "null")
        || schema.get("const").is_some_and(Json::is_null)
}

/// The schema without its `null` alternative (for an optional value given
/// as `Option<T>`): `["integer", "null"]` becomes `"integer"`, an `anyOf`
/// of `X` and `null` becomes `X`.
pub fn without_null(schema: &Json) -> Json {
    let Json::Object(map) = schema else {
        return schema.clone();
    };
    let mut out = map.clone();
    if let Some(Json::Array(ts)) = map.get("type") {
        let rest: Vec<Json> = ts.iter().filter(|t| *t != "null").cloned().collect();
        let t = match rest.len() {
            1 => rest[0].clone(),
            _ => Json::Array(rest),
        };
        out.insert("type".into(), t);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Json::Array(branches)) = map.get(key) {
            let rest: Vec<Json> = branches
                .iter()
                .filter(|b| !is_null_type(b))
                .cloned()
                .collect();
            out.remove(key);
            if rest.len() == 1 {
                if let Json::Object(only) = &rest[0] {
                    for (k, v) in only {
                        out.insert(k.clone(), v.clone());
                    }
                }
            } else {
                out.insert(key.into(), Json::Array(rest));
            }
        }
    }
    Json::Object(out)
}

/// A schema in the draft-07 dialect `typify` reads: `#/$defs/X` becomes
/// `#/definitions/X`, `prefixItems` becomes a tuple `items` (and `items`
/// becomes `additionalItems`), `$schema` goes.
pub fn to_draft7(schema: &Json) -> Json {
    match schema {
        Json::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                match k.as_str() {
                    "$schema" => {}
                    "$ref" => {
                        let r = v.as_str().unwrap_or_default();
                        let r = match r.strip_prefix("#/$defs/") {
                            Some(name) => format!("#/definitions/{name}"),
                            None => r.to_owned(),
                        };
                        out.insert(k.clone(), Json::String(r));
                    }
                    "prefixItems" => {
                        out.insert("items".into(), to_draft7(v));
                        if let Some(rest) = map.get("items") {
                            out.insert("additionalItems".into(), to_draft7(rest));
                            // A closed tuple: its length is fixed (typify reads
                            // tuples only so).
                            let len = v.as_array().map_or(0, Vec::len);
                            let min = map.get("minItems").and_then(Json::as_u64);
                            if rest == &Json::Bool(false) && min == Some(len as u64) {
                                out.insert("maxItems".into(), len.into());
                            }
                        }
                    }
                    "items" if map.contains_key("prefixItems") => {}
                    _ => {
                        out.insert(k.clone(), to_draft7(v));
                    }
                }
            }
            Json::Object(out)
        }
        Json::Array(items) => Json::Array(items.iter().map(to_draft7).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nullability_and_its_removal() {
        let t = json!({"type": ["integer", "null"], "format": "uint8"});
        assert!(is_nullable(&t));
        assert_eq!(
            without_null(&t),
            json!({"type": "integer", "format": "uint8"})
        );
        let r = json!({"anyOf": [{"$ref": "#/$defs/R"}, {"type": "null"}], "title": "mode"});
        assert!(is_nullable(&r));
        assert_eq!(
            without_null(&r),
            json!({"$ref": "#/$defs/R", "title": "mode"})
        );
        assert!(!is_nullable(&json!({"type": "string"})));
    }

    #[test]
    fn draft7_translation() {
        let s = json!({"type": "array", "prefixItems": [{"$ref": "#/$defs/A"}], "items": false});
        assert_eq!(
            to_draft7(&s),
            json!({"type": "array", "items": [{"$ref": "#/definitions/A"}], "additionalItems": false})
        );
        let s = json!({"type": "array", "prefixItems": [{}, {}], "minItems": 2, "items": false});
        assert_eq!(
            to_draft7(&s),
            json!({"type": "array", "items": [{}, {}], "additionalItems": false, "minItems": 2, "maxItems": 2})
        );
    }

    #[test]
    fn resolve_follows_refs_and_stops_on_cycles() {
        let mut defs = BTreeMap::new();
        defs.insert("A".to_owned(), json!({"$ref": "#/$defs/B"}));
        defs.insert("B".to_owned(), json!({"type": "string"}));
        defs.insert("C".to_owned(), json!({"$ref": "#/$defs/C"}));
        assert_eq!(
            resolve(&json!({"$ref": "#/$defs/A"}), &defs),
            &json!({"type": "string"})
        );
        assert_eq!(
            resolve(&json!({"$ref": "#/$defs/C"}), &defs),
            &json!({"$ref": "#/$defs/C"})
        );
    }
}
