//! The checks of a decoded frame that do not need the router: its payload
//! read every way a client reads one, and its round trips through the
//! serializers.

use wamp::{Message, SerializerKind, Value};

/// Reads a received payload every way a client does: typed, element by
/// element, as values. Each read may fail, none may panic.
pub(crate) fn read_payload(m: &Message) {
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Kw {
        a: Option<i64>,
        b: Option<bool>,
        session: Option<u64>,
        authid: Option<String>,
        x_custom: Option<Vec<Value>>,
    }
    let Some(p) = m.payload() else { return };
    let _ = p.args::<(u64, String)>();
    let _ = p.args::<Vec<Value>>();
    let _ = p.args::<(Value, Option<Vec<u8>>, f64)>();
    let _ = p.kwargs::<std::collections::BTreeMap<String, Value>>();
    let _ = p.kwargs::<Kw>();
    let _ = p.decode_kwargs::<Kw>();
    let _ = p.single_arg::<u64>();
    let _ = p.single_arg::<String>();
    if let Ok(elements) = p.arg_elements() {
        for e in elements {
            let _ = p.decode_element::<Value>(e);
            let _ = p.decode_element::<i64>(e);
        }
    }
    if let Ok(entries) = p.kwarg_entries() {
        for (_, e) in entries {
            let _ = p.decode_element::<Value>(e);
            let _ = p.decode_element::<String>(e);
        }
    }
}

/// A decoded message re-encoded in its serializer must decode to itself;
/// the other serializers must encode it or refuse it.
pub(crate) fn roundtrip(kind: SerializerKind, m: &Message) -> Result<(), String> {
    let frame = kind
        .encode(m)
        .map_err(|e| format!("a decoded message does not re-encode: {e}"))?;
    let back = kind
        .decode(frame.clone())
        .map_err(|e| format!("a re-encoded message does not decode: {e}; frame {frame:?}"))?;
    if back != *m {
        return Err(format!(
            "decode(encode(m)) != m:\n  m    = {m:?}\n  back = {back:?}"
        ));
    }
    // What the router does for a receiver of another serializer: transcode.
    // When it succeeds, the receiver must read the same message, unless a
    // string starts with NUL (JSON's marker of binary data: ambiguous by the
    // spec) or the message holds a float JSON cannot carry exactly.
    for other in SerializerKind::ALL {
        if other == kind {
            continue;
        }
        let Ok(frame) = other.encode(m) else { continue };
        let back = other.decode(frame.clone());
        let same = matches!(&back, Ok(b) if b == m);
        // JSON frames are not limited in depth as a whole (each part is, when
        // read); MessagePack and CBOR frames are, from the frame's own list:
        // a JSON message nested to JSON's limit may be too deep for them by
        // a level. Their refusal is clean; the other direction is checked.
        let deeper_than_binary = kind == SerializerKind::Json
            && matches!(&back, Err(e) if e.to_string().contains("nesting too deep"));
        if !same && !deeper_than_binary && !ambiguous(m) {
            let values = |m: &Message| {
                m.payload().map(|p| {
                    (
                        p.args_values(),
                        p.kwargs_values(),
                        p.transparent_bytes().cloned(),
                    )
                })
            };
            let back_values = back.as_ref().ok().map(values);
            return Err(format!(
                "transcoded from {kind} to {other}, the message changed:\n  m    = {m:?}\n  back = {back:?}\n  frame = {frame:?}\n  values {:?}\n  back values {back_values:?}",
                values(m)
            ));
        }
    }
    Ok(())
}

/// Whether a message holds what one serializer cannot carry unambiguously
/// to another: a string starting with NUL (binary data in JSON), or a
/// non-finite float (JSON has none: serde_json writes `null`).
fn ambiguous(m: &Message) -> bool {
    fn odd(v: &Value) -> bool {
        match v {
            Value::Float(f) => !f.is_finite(),
            Value::String(s) => s.starts_with('\0'),
            Value::List(items) => items.iter().any(odd),
            Value::Dict(d) => d.iter().any(|(k, v)| k.starts_with('\0') || odd(v)),
            _ => false,
        }
    }
    let text = format!("{m:?}");
    let in_options = [
        "\\0",
        "\\u0000",
        "\\u{0}",
        "Float(inf)",
        "Float(-inf)",
        "Float(NaN)",
    ]
    .iter()
    .any(|odd| text.contains(odd));
    let in_payload = m.payload().is_some_and(|p| {
        p.args_values().is_ok_and(|a| a.iter().any(odd))
            || p.kwargs_values()
                .is_ok_and(|k| k.iter().any(|(k, v)| k.starts_with('\0') || odd(v)))
            || p.transparent_text().is_some_and(|t| t.starts_with('\0'))
    });
    in_options || in_payload
}
