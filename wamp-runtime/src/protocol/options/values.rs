//! The typed values some option keys hold: match, invoke and cancel policies,
//! the payload encryption algorithm, and router-to-router forwarding hops.

use serde::de::Deserializer;
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::protocol::field::FieldType;
use crate::protocol::field::{Found, read_scalar};
use crate::protocol::id::MAX_ID;
use crate::protocol::string_enum::string_enum;
use crate::serializer::Value;

string_enum! {
    /// How a subscription or registration URI is matched (`match`).
    MatchPolicy, "one of \"exact\", \"prefix\", \"wildcard\"" {
        /// The URI must be equal (default).
        Exact = "exact",
        /// The URI must start with the pattern.
        Prefix = "prefix",
        /// Empty components of the pattern match any component.
        Wildcard = "wildcard",
    }
}

string_enum! {
    /// Which callee of a shared registration gets a call (`invoke`).
    InvokePolicy, "one of \"single\", \"roundrobin\", \"random\", \"first\", \"last\"" {
        /// Only one callee may register (default).
        Single = "single",
        /// Callees take turns.
        RoundRobin = "roundrobin",
        /// A random callee.
        Random = "random",
        /// The callee that registered first.
        First = "first",
        /// The callee that registered last.
        Last = "last",
    }
}

string_enum! {
    /// How a call is canceled (`CANCEL.Options.mode`, `INTERRUPT.Options.mode`).
    CancelMode, "one of \"skip\", \"kill\", \"killnowait\"" {
        /// Answer the caller now; do not interrupt the callee.
        Skip = "skip",
        /// Interrupt the callee and answer the caller when the callee answers.
        Kill = "kill",
        /// Interrupt the callee and answer the caller now.
        KillNoWait = "killnowait",
    }
}

/// The end-to-end encryption algorithm of a transparent payload (`enc_algo`):
/// `cryptobox`, `mqtt`, `xbr` or an implementation-specific `x_...` name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EncAlgo(String);

impl EncAlgo {
    /// Checks and wraps an algorithm name.
    pub fn new(name: impl Into<String>) -> Option<Self> {
        let name = name.into();
        Self::is_valid(&name).then_some(EncAlgo(name))
    }

    /// Whether the name is a known or implementation-specific algorithm.
    pub fn is_valid(name: &str) -> bool {
        matches!(name, "cryptobox" | "mqtt" | "xbr")
            || name.strip_prefix("x_").is_some_and(|rest| {
                rest.is_empty()
                    || (rest.as_bytes()[0].is_ascii_lowercase()
                        && rest
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                        && rest.len() >= 2)
            })
    }

    /// The algorithm name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FieldType for EncAlgo {
    const EXPECTED: &'static str = "\"cryptobox\", \"mqtt\", \"xbr\" or \"x_<name>\"";
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Result<Self, Value>, D::Error> {
        Ok(match read_scalar(d)? {
            Found::Str(name) if EncAlgo::is_valid(&name) => Ok(EncAlgo(name.into_owned())),
            other => Err(other.into_value()),
        })
    }
}

impl Serialize for EncAlgo {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// One hop of a router-to-router forwarding chain (`forward_for`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ForwardFor {
    /// Session ID on the forwarding router.
    pub session: u64,
    /// Its authid.
    pub authid: String,
    /// Its authrole.
    pub authrole: String,
}

impl ForwardFor {
    /// Reads one hop from a `{session, authid, authrole}` dict.
    fn from_dynamic(value: &Value) -> Option<Self> {
        let d = value.as_dict()?;
        Some(ForwardFor {
            session: d.get("session")?.as_u64().filter(|n| *n <= MAX_ID)?,
            authid: d.get("authid")?.as_str()?.to_owned(),
            authrole: d.get("authrole")?.as_str()?.to_owned(),
        })
    }
}

/// Written as a dict with its keys in sorted order.
impl Serialize for ForwardFor {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("authid", &self.authid)?;
        m.serialize_entry("authrole", &self.authrole)?;
        m.serialize_entry("session", &self.session)?;
        m.end()
    }
}

impl FieldType for Vec<ForwardFor> {
    const EXPECTED: &'static str = "a list of {session, authid, authrole} dicts";
    // A rare key (router-to-router links): read as a value, then checked.
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Result<Self, Value>, D::Error> {
        let value = Value::deserialize(d)?;
        let hops = value
            .as_list()
            .and_then(|items| items.iter().map(ForwardFor::from_dynamic).collect());
        Ok(hops.ok_or(value))
    }
}
