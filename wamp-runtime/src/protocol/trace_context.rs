//! W3C trace context carried across WAMP: a caller's or publisher's
//! [`traceparent`](https://www.w3.org/TR/trace-context/#traceparent-header)
//! travels in `CALL.Options` / `PUBLISH.Options` under [`TRACEPARENT_KEY`]
//! (`x_traceparent`, optionally [`TRACESTATE_KEY`] `x_tracestate`), and the
//! router forwards it in `INVOCATION.Details` / `EVENT.Details`.
//!
//! Every value comes from a peer that may be hostile: a traceparent is parsed
//! strictly (lowercase hex, no all-zero IDs, version `ff` refused, at most
//! [`MAX_TRACEPARENT_LEN`] characters) and forwarded re-formatted from the
//! parsed IDs, never echoed; a tracestate is forwarded only when it is
//! printable ASCII of at most [`MAX_TRACESTATE_LEN`] characters and
//! [`MAX_TRACESTATE_MEMBERS`] list members. Anything else is dropped.
//!
//! ```
//! use wamp::protocol::trace_context::TraceParent;
//!
//! let tp = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
//! assert_eq!(tp.trace_id, 0x4bf92f3577b34da6a3ce929d0e0e4736);
//! assert!(tp.sampled());
//! assert_eq!(tp.to_string(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
//! assert!(TraceParent::parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01").is_none());
//! ```

use std::fmt;

use crate::serializer::{Dict, Value};

/// The options/details key of the W3C traceparent.
pub const TRACEPARENT_KEY: &str = "x_traceparent";
/// The options/details key of the W3C tracestate.
pub const TRACESTATE_KEY: &str = "x_tracestate";
/// The longest traceparent read (version 00 has 55 characters; later
/// versions may append fields).
pub const MAX_TRACEPARENT_LEN: usize = 256;
/// The longest tracestate forwarded (the W3C limit).
pub const MAX_TRACESTATE_LEN: usize = 512;
/// The most list members of a tracestate forwarded (the W3C limit).
pub const MAX_TRACESTATE_MEMBERS: usize = 32;

/// The sampled flag of the trace flags.
const SAMPLED: u8 = 0x01;

/// A parsed W3C traceparent: which trace, which span is the parent, and the
/// trace flags. Written as version `00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceParent {
    /// The 16-byte trace ID (never 0).
    pub trace_id: u128,
    /// The 8-byte ID of the parent span (never 0).
    pub span_id: u64,
    /// The trace flags (bit 0: sampled).
    pub flags: u8,
}

impl TraceParent {
    /// Parses a traceparent; `None` when it is not a valid one.
    pub fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() < 55 || b.len() > MAX_TRACEPARENT_LEN {
            return None;
        }
        let version = hex(&b[0..2])? as u8;
        // Version 00 has exactly four fields; a later version may append
        // fields after a dash; version ff is invalid.
        let well_formed = match version {
            0 => b.len() == 55,
            0xff => false,
            _ => b.len() == 55 || b[55] == b'-',
        };
        if !well_formed || b[2] != b'-' || b[35] != b'-' || b[52] != b'-' {
            return None;
        }
        let trace_id = hex(&b[3..35])?;
        let span_id = hex(&b[36..52])? as u64;
        let flags = hex(&b[53..55])? as u8;
        (trace_id != 0 && span_id != 0).then_some(TraceParent {
            trace_id,
            span_id,
            flags,
        })
    }

    /// A new trace: random trace and span IDs, sampled.
    pub fn new_root() -> Self {
        TraceParent {
            trace_id: nonzero(rand::random::<u128>),
            span_id: nonzero(rand::random::<u64>),
            flags: SAMPLED,
        }
    }

    /// A new span of the same trace (random span ID, same flags).
    pub fn new_child(&self) -> Self {
        TraceParent {
            span_id: nonzero(rand::random::<u64>),
            ..*self
        }
    }

    /// Whether the trace is sampled (flag bit 0).
    pub fn sampled(&self) -> bool {
        self.flags & SAMPLED != 0
    }

    /// The traceparent under [`TRACEPARENT_KEY`] of an options or details
    /// dict, if there is a valid one.
    pub fn from_dict(dict: &Dict) -> Option<Self> {
        dict.get(TRACEPARENT_KEY)
            .and_then(Value::as_str)
            .and_then(Self::parse)
    }

    /// Sets [`TRACEPARENT_KEY`] of an options or details dict to this one.
    pub fn write_to(&self, dict: &mut Dict) {
        dict.insert(TRACEPARENT_KEY.to_owned(), Value::String(self.to_string()));
    }

    /// The trace ID as 32 lowercase hex digits (for logs).
    pub fn trace_id_hex(&self) -> impl fmt::Display + use<> {
        let id = self.trace_id;
        Hex32(id)
    }

    /// The span ID as 16 lowercase hex digits (for logs).
    pub fn span_id_hex(&self) -> impl fmt::Display + use<> {
        let id = self.span_id;
        Hex16(id)
    }
}

impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "00-{:032x}-{:016x}-{:02x}",
            self.trace_id, self.span_id, self.flags
        )
    }
}

struct Hex32(u128);
impl fmt::Display for Hex32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

struct Hex16(u64);
impl fmt::Display for Hex16 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// Whether a tracestate may be forwarded: printable ASCII, at most
/// [`MAX_TRACESTATE_LEN`] characters and [`MAX_TRACESTATE_MEMBERS`] members.
pub fn is_valid_tracestate(text: &str) -> bool {
    text.len() <= MAX_TRACESTATE_LEN
        && text.bytes().all(|b| (0x20..=0x7e).contains(&b))
        && text.bytes().filter(|b| *b == b',').count() < MAX_TRACESTATE_MEMBERS
}

/// Copies the trace context of a CALL's or PUBLISH's options into the
/// details of the INVOCATION or EVENT: the traceparent re-formatted when
/// valid, the tracestate (only with a valid traceparent) when valid; nothing
/// else, and nothing that is invalid.
pub fn forward(from: &Dict, to: &mut Dict) {
    let Some(parent) = TraceParent::from_dict(from) else {
        return;
    };
    parent.write_to(to);
    if let Some(state) = from.get(TRACESTATE_KEY).and_then(Value::as_str)
        && is_valid_tracestate(state)
    {
        to.insert(TRACESTATE_KEY.to_owned(), Value::String(state.to_owned()));
    }
}

/// Lowercase hex digits to a number (at most 32 digits); `None` for any other byte.
fn hex(digits: &[u8]) -> Option<u128> {
    digits.iter().try_fold(0u128, |n, d| {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            _ => return None,
        };
        Some(n << 4 | u128::from(v))
    })
}

/// A random non-zero number.
fn nonzero<T: PartialEq + Default>(mut draw: impl FnMut() -> T) -> T {
    loop {
        let n = draw();
        if n != T::default() {
            return n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn parses_and_writes_back_a_valid_traceparent() {
        let tp = TraceParent::parse(GOOD).unwrap();
        assert_eq!(tp.trace_id, 0x4bf92f3577b34da6a3ce929d0e0e4736);
        assert_eq!(tp.span_id, 0x00f067aa0ba902b7);
        assert_eq!(tp.flags, 1);
        assert_eq!(tp.to_string(), GOOD);
        assert_eq!(
            tp.trace_id_hex().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(tp.span_id_hex().to_string(), "00f067aa0ba902b7");
    }

    #[test]
    fn refuses_hostile_traceparents() {
        let long = format!("{GOOD}-{}", "a".repeat(300));
        let hostile = [
            "",
            "00",
            "garbage",
            // Uppercase hex.
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            // All-zero trace ID and span ID.
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            // Version ff, and version 00 with more fields.
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xx",
            // Wrong separators, short fields, non-hex digits, signs.
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e47zz-00f067aa0ba902b7-01",
            "00-+bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0\u{e9}",
            // A later version that does not continue with a dash, and one too long.
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
            &long,
        ];
        for text in hostile {
            assert_eq!(TraceParent::parse(text), None, "{text:?}");
        }
        // A later version with an extra field is read (its first four fields).
        let later = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra";
        assert_eq!(TraceParent::parse(later).unwrap().to_string(), GOOD);
    }

    #[test]
    fn forwards_only_valid_trace_context() {
        let mut from = Dict::new();
        from.insert(TRACEPARENT_KEY.into(), Value::String(GOOD.into()));
        from.insert(
            TRACESTATE_KEY.into(),
            Value::String("congo=t61rcWkgMzE".into()),
        );
        from.insert("x_other".into(), Value::String("not forwarded".into()));
        let mut to = Dict::new();
        forward(&from, &mut to);
        assert_eq!(to.len(), 2);
        assert_eq!(to[TRACEPARENT_KEY].as_str(), Some(GOOD));
        assert_eq!(to[TRACESTATE_KEY].as_str(), Some("congo=t61rcWkgMzE"));

        // A bad tracestate is dropped; so is everything without a valid traceparent.
        for state in [
            "a".repeat(MAX_TRACESTATE_LEN + 1),
            "a=1,".repeat(MAX_TRACESTATE_MEMBERS),
            "a=\n".into(),
        ] {
            from.insert(TRACESTATE_KEY.into(), Value::String(state));
            let mut to = Dict::new();
            forward(&from, &mut to);
            assert_eq!(to.keys().collect::<Vec<_>>(), [TRACEPARENT_KEY]);
        }
        for bad in [Value::UInt(7), Value::String("00-zz".into()), Value::Null] {
            from.insert(TRACEPARENT_KEY.into(), bad);
            let mut to = Dict::new();
            forward(&from, &mut to);
            assert!(to.is_empty());
        }
    }

    #[test]
    fn new_ids_are_never_zero_and_children_keep_the_trace() {
        let root = TraceParent::new_root();
        assert!(root.trace_id != 0 && root.span_id != 0 && root.sampled());
        let child = root.new_child();
        assert_eq!(child.trace_id, root.trace_id);
        assert_ne!(child.span_id, root.span_id);
        assert_eq!(TraceParent::parse(&child.to_string()), Some(child));
    }
}
