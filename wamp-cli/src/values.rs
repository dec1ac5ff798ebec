//! Arguments from the command line to JSON, and payloads back to JSON for
//! printing.

use base64::Engine as _;
use serde_json::{Map, Value as Json};
use wamp::{Payload, SerializerKind, Value};

/// A command-line argument as a value: JSON when it parses as JSON
/// (`2`, `true`, `"x"`, `[1,2]`, `{"a":1}`), otherwise the word as a string.
pub(crate) fn parse_arg(text: &str) -> Json {
    serde_json::from_str(text).unwrap_or_else(|_| Json::String(text.to_owned()))
}

/// `KEY=VALUE` of `--kw`, the value read as [`parse_arg`] does.
pub(crate) fn parse_kw(text: &str) -> Result<(String, Json), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), parse_arg(value))),
        _ => Err(format!("expected KEY=VALUE, got `{text}`")),
    }
}

/// Keyword arguments from `--kw` pairs (a later key wins).
pub(crate) fn kwargs_of(pairs: &[(String, Json)]) -> Map<String, Json> {
    pairs.iter().cloned().collect()
}

/// Encodes positional and keyword arguments in the session's serializer.
pub(crate) fn encode(
    kind: SerializerKind,
    args: &[Json],
    kwargs: &Map<String, Json>,
) -> Result<Payload, wamp::Error> {
    let payload = if kwargs.is_empty() {
        if args.is_empty() {
            Payload::empty()
        } else {
            Payload::encode_args(kind, args)?
        }
    } else {
        Payload::encode(kind, args, kwargs)?
    };
    Ok(payload)
}

/// A WAMP value as JSON; binary data as WAMP's JSON form (`"\u0000"` + base64).
pub(crate) fn value_to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(n) => Json::from(*n),
        Value::UInt(n) => Json::from(*n),
        Value::Float(x) => serde_json::Number::from_f64(*x).map_or(Json::Null, Json::Number),
        Value::String(s) => Json::String(s.clone()),
        Value::Bytes(b) => Json::String(format!(
            "\0{}",
            base64::engine::general_purpose::STANDARD.encode(b)
        )),
        Value::List(items) => Json::Array(items.iter().map(value_to_json).collect()),
        Value::Dict(d) => Json::Object(
            d.iter()
                .map(|(k, v)| (k.clone(), value_to_json(v)))
                .collect(),
        ),
    }
}

/// The positional and keyword parts of a payload as JSON.
pub(crate) fn payload_json(
    payload: &Payload,
) -> Result<(Vec<Json>, Map<String, Json>), wamp::Error> {
    if payload.transparent_bytes().is_some() {
        return Err(wamp::Error::message(
            "wamp.error.invalid_payload",
            "the payload is transparent (end-to-end encrypted) and cannot be shown",
        ));
    }
    let args = payload.args_values()?.iter().map(value_to_json).collect();
    let kwargs = payload
        .kwargs_values()?
        .iter()
        .map(|(k, v)| (k.clone(), value_to_json(v)))
        .collect();
    Ok((args, kwargs))
}

/// What `wamp call` prints for a result: the single positional value, `null`
/// for none, the list for several, or `{"args": [...], "kwargs": {...}}`
/// when there are keyword results.
pub(crate) fn result_json(args: Vec<Json>, kwargs: Map<String, Json>) -> Json {
    if !kwargs.is_empty() {
        let mut out = Map::new();
        out.insert("args".into(), Json::Array(args));
        out.insert("kwargs".into(), Json::Object(kwargs));
        return Json::Object(out);
    }
    match args.len() {
        0 => Json::Null,
        1 => args.into_iter().next().unwrap_or(Json::Null),
        _ => Json::Array(args),
    }
}

/// A value printed pretty (several lines) or compact (one line, `--json`).
pub(crate) fn to_text(value: &Json, compact: bool) -> String {
    if compact {
        value.to_string()
    } else {
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arguments_are_json_or_bare_words() {
        assert_eq!(parse_arg("2"), json!(2));
        assert_eq!(parse_arg("-2.5"), json!(-2.5));
        assert_eq!(parse_arg("[1, 2]"), json!([1, 2]));
        assert_eq!(parse_arg("\"2\""), json!("2"));
        assert_eq!(parse_arg("two"), json!("two"));
        assert_eq!(parse_arg("null"), json!(null));
        assert_eq!(parse_kw("n=3").unwrap(), ("n".into(), json!(3)));
        assert_eq!(parse_kw("s=a=b").unwrap(), ("s".into(), json!("a=b")));
        assert!(parse_kw("=3").is_err());
        assert!(parse_kw("novalue").is_err());
    }

    #[test]
    fn results_are_shaped_for_reading() {
        assert_eq!(result_json(vec![], Map::new()), json!(null));
        assert_eq!(result_json(vec![json!(5)], Map::new()), json!(5));
        assert_eq!(
            result_json(vec![json!(1), json!(2)], Map::new()),
            json!([1, 2])
        );
        let kw = kwargs_of(&[("k".into(), json!("v"))]);
        assert_eq!(
            result_json(vec![json!(1)], kw),
            json!({"args": [1], "kwargs": {"k": "v"}})
        );
        assert_eq!(
            value_to_json(&Value::Bytes(vec![0, 1, 255])),
            json!("\u{0}AAH/")
        );
    }

    #[test]
    fn payloads_round_trip_through_every_serializer() {
        for kind in [
            SerializerKind::Json,
            SerializerKind::MsgPack,
            SerializerKind::Cbor,
        ] {
            let kw = kwargs_of(&[("k".into(), json!({"x": [1, "y"]}))]);
            let p = encode(kind, &[json!(1), json!("two")], &kw).unwrap();
            let (args, kwargs) = payload_json(&p).unwrap();
            assert_eq!(args, vec![json!(1), json!("two")]);
            assert_eq!(Json::Object(kwargs), json!({"k": {"x": [1, "y"]}}));
            assert!(encode(kind, &[], &Map::new()).unwrap().is_empty());
        }
    }
}
