//! Checks call arguments against a procedure's schema from reflection (the
//! entry of `wamp.reflection.procedure.describe`: `args`, `kwargs`, `$defs`)
//! before anything is sent, and explains each mismatch in terms of the
//! procedure's parameters.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, ValidationError};
use serde_json::{Map, Value as Json};

use crate::reflection::positional_names;
use crate::render::type_name;

/// Every problem of `args`/`kwargs` against the procedure `entry`; empty when
/// they fit (or when the entry has no schema to check against).
pub(crate) fn check(entry: &Json, args: &[Json], kwargs: &Map<String, Json>) -> Vec<String> {
    let uri = entry["uri"].as_str().unwrap_or("the procedure");
    let names = positional_names(entry);
    let takes = if names.is_empty() {
        "no positional arguments".to_owned()
    } else {
        format!("{} ({})", plural(names.len(), "argument"), names.join(", "))
    };
    let mut problems = Vec::new();
    let args_schema = &entry["args"];
    if args_schema.is_object() {
        let min = args_schema["minItems"].as_u64().unwrap_or(0) as usize;
        let closed = args_schema["items"] == Json::Bool(false);
        if args.is_empty() && !kwargs.is_empty() {
            // Positional parameters may come by name: each required one must be there.
            for name in names.iter().take(min) {
                if !kwargs.contains_key(name) {
                    problems.push(format!("missing argument {name}: {uri} takes {takes}"));
                }
            }
        } else if args.len() < min {
            let missing = names[args.len().min(names.len())..min.min(names.len())].join(", ");
            problems.push(format!(
                "missing argument {missing}: {uri} takes {takes}, got {}",
                args.len()
            ));
        } else if closed && args.len() > names.len() {
            problems.push(format!(
                "too many arguments: {uri} takes {takes}, got {}",
                args.len()
            ));
        } else if !args.is_empty() {
            let instance = Json::Array(args.to_vec());
            problems.extend(validate(entry, args_schema, &instance, |segment| {
                segment.parse::<usize>().ok().and_then(|i| {
                    names
                        .get(i)
                        .map(|n| (format!("argument {n}"), &args_schema["prefixItems"][i]))
                })
            }));
        }
    }
    let kwargs_schema = &entry["kwargs"];
    if kwargs_schema.is_object() && !kwargs.is_empty() {
        let instance = Json::Object(kwargs.clone());
        let known: Vec<&str> = kwargs_schema["properties"]
            .as_object()
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        for error in validator(entry, kwargs_schema)
            .map(|v| {
                v.iter_errors(&instance)
                    .map(|e| e.to_owned())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
        {
            if let ValidationErrorKind::AdditionalProperties { unexpected } = &error.kind {
                let accepted = if known.is_empty() {
                    "no keyword arguments".to_owned()
                } else {
                    format!("keyword arguments {}", known.join(", "))
                };
                problems.push(format!(
                    "unknown keyword argument {}: {uri} takes {accepted}",
                    unexpected.join(", ")
                ));
            } else {
                problems.push(explain(&error, &entry["$defs"], |segment| {
                    kwargs_schema["properties"]
                        .get(segment)
                        .map(|s| (format!("keyword argument {segment}"), s))
                }));
            }
        }
    }
    problems
}

/// A validator for `schema` with the entry's `$defs` beside it.
fn validator(entry: &Json, schema: &Json) -> Option<jsonschema::Validator> {
    let mut root = schema.clone();
    if let (Json::Object(map), Some(defs)) = (&mut root, entry.get("$defs")) {
        map.insert("$defs".into(), defs.clone());
    }
    match jsonschema::validator_for(&root) {
        Ok(v) => Some(v),
        Err(e) => {
            tracing_like_warning(&format!(
                "the procedure's schema is not usable, not checked: {e}"
            ));
            None
        }
    }
}

fn tracing_like_warning(message: &str) {
    eprintln!("wamp: warning: {message}");
}

fn validate<'s>(
    entry: &Json,
    schema: &Json,
    instance: &Json,
    param: impl Fn(&str) -> Option<(String, &'s Json)>,
) -> Vec<String> {
    let Some(v) = validator(entry, schema) else {
        return Vec::new();
    };
    v.iter_errors(instance)
        .map(|e| explain(&e, &entry["$defs"], &param))
        .collect()
}

/// One mismatch in words: "argument b must be an integer, got \"two\"".
fn explain<'s>(
    error: &ValidationError<'_>,
    defs: &Json,
    param: impl Fn(&str) -> Option<(String, &'s Json)>,
) -> String {
    let path = error.instance_path.as_str();
    let mut segments = path.split('/').skip(1);
    let first = segments.next().unwrap_or("");
    let (mut what, param_schema) =
        param(first).unwrap_or_else(|| (format!("argument {first}"), &Json::Null));
    let nested: Vec<&str> = segments.collect();
    for segment in &nested {
        if segment.parse::<usize>().is_ok() {
            what.push_str(&format!("[{segment}]"));
        } else {
            what.push_str(&format!(".{segment}"));
        }
    }
    let got = short(&error.instance);
    match &error.kind {
        ValidationErrorKind::Type { kind } => {
            format!("{what} must be {}, got {got}", type_phrase(kind))
        }
        ValidationErrorKind::Minimum { limit } => {
            format!("{what} must be at least {limit}, got {got}")
        }
        ValidationErrorKind::Maximum { limit } => {
            format!("{what} must be at most {limit}, got {got}")
        }
        ValidationErrorKind::AnyOf { .. }
        | ValidationErrorKind::OneOfNotValid { .. }
        | ValidationErrorKind::Enum { .. }
        | ValidationErrorKind::Constant { .. }
            if nested.is_empty() && !param_schema.is_null() =>
        {
            format!(
                "{what} must be {}, got {got}",
                type_name(param_schema, defs, true)
            )
        }
        _ => format!("{what}: {error}"),
    }
}

fn type_phrase(kind: &TypeKind) -> String {
    let one = |t: &JsonType| {
        let name = t.to_string();
        match name.as_str() {
            "integer" | "array" | "object" => format!("an {name}"),
            "null" => "null".to_owned(),
            _ => format!("a {name}"),
        }
    };
    match kind {
        TypeKind::Single(t) => one(t),
        TypeKind::Multiple(set) => set.iter().map(|t| one(&t)).collect::<Vec<_>>().join(" or "),
    }
}

fn short(value: &Json) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}...", text.chars().take(57).collect::<String>())
    } else {
        text
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::check;
    use serde_json::{Map, Value as Json, json};

    fn entry() -> Json {
        json!({
            "uri": "com.x.f",
            "args": {
                "type": "array", "items": false, "minItems": 2,
                "prefixItems": [
                    {"title": "n", "type": "integer"},
                    {"title": "tags", "type": "array", "items": {"type": "string"}},
                    {"title": "mode", "anyOf": [{"$ref": "#/$defs/Mode"}, {"type": "null"}]}
                ]
            },
            "kwargs": {
                "type": "object", "additionalProperties": false,
                "properties": {
                    "n": {"type": "integer"},
                    "tags": {"type": "array"},
                    "mode": {"anyOf": [{"$ref": "#/$defs/Mode"}, {"type": "null"}]},
                    "limit": {"type": "integer", "minimum": 1}
                }
            },
            "$defs": {"Mode": {"oneOf": [{"const": "a"}, {"const": "b"}]}}
        })
    }

    fn kw(pairs: &[(&str, Json)]) -> Map<String, Json> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn fitting_arguments_pass() {
        let e = entry();
        assert!(check(&e, &[json!(1), json!(["x"])], &Map::new()).is_empty());
        assert!(
            check(
                &e,
                &[json!(1), json!([]), json!("b")],
                &kw(&[("limit", json!(3))])
            )
            .is_empty()
        );
        assert!(check(&e, &[], &kw(&[("n", json!(1)), ("tags", json!([]))])).is_empty());
        // No schema: nothing to check.
        assert!(check(&json!({"uri": "u"}), &[json!("anything")], &Map::new()).is_empty());
    }

    #[test]
    fn mismatches_are_explained_by_parameter() {
        let e = entry();
        assert_eq!(
            check(&e, &[json!("one"), json!([])], &Map::new()),
            ["argument n must be an integer, got \"one\""]
        );
        assert_eq!(
            check(&e, &[json!(1), json!(["x", 2])], &Map::new()),
            ["argument tags[1] must be a string, got 2"]
        );
        assert_eq!(
            check(&e, &[json!(1), json!([]), json!("c")], &Map::new()),
            ["argument mode must be \"a\" | \"b\" | null, got \"c\""]
        );
        assert_eq!(
            check(&e, &[json!(1)], &Map::new()),
            ["missing argument tags: com.x.f takes 3 arguments (n, tags, mode), got 1"]
        );
        assert_eq!(
            check(
                &e,
                &[json!(1), json!([]), json!("a"), json!(4)],
                &Map::new()
            ),
            ["too many arguments: com.x.f takes 3 arguments (n, tags, mode), got 4"]
        );
        assert_eq!(
            check(&e, &[json!(1), json!([])], &kw(&[("limit", json!(0))])),
            ["keyword argument limit must be at least 1, got 0"]
        );
        assert_eq!(
            check(&e, &[json!(1), json!([])], &kw(&[("x", json!(0))])),
            ["unknown keyword argument x: com.x.f takes keyword arguments limit, mode, n, tags"]
        );
        assert_eq!(
            check(&e, &[], &kw(&[("n", json!(1))])),
            ["missing argument tags: com.x.f takes 3 arguments (n, tags, mode)"]
        );
    }
}
