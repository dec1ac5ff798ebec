//! Roles and features announced in `HELLO` and `WELCOME`.

use std::collections::BTreeMap;

use serde::de::Deserializer;
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use super::field::FieldType;
use crate::serializer::{Dict, Value};

/// A WAMP role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Client role: publishes events.
    Publisher,
    /// Client role: receives events.
    Subscriber,
    /// Client role: calls procedures.
    Caller,
    /// Client role: provides procedures.
    Callee,
    /// Router role: routes events.
    Broker,
    /// Router role: routes calls.
    Dealer,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 6] = [
        Role::Publisher,
        Role::Subscriber,
        Role::Caller,
        Role::Callee,
        Role::Broker,
        Role::Dealer,
    ];

    /// The role's name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Publisher => "publisher",
            Role::Subscriber => "subscriber",
            Role::Caller => "caller",
            Role::Callee => "callee",
            Role::Broker => "broker",
            Role::Dealer => "dealer",
        }
    }

    /// Looks up a role by its wire name.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// Whether clients (rather than routers) play this role.
    pub const fn is_client_role(self) -> bool {
        matches!(
            self,
            Role::Publisher | Role::Subscriber | Role::Caller | Role::Callee
        )
    }
}

/// Names of the advanced-profile features, as announced under `roles.<role>.features`.
pub mod feature {
    /// Progressive call results.
    pub const PROGRESSIVE_CALL_RESULTS: &str = "progressive_call_results";
    /// Progressive call invocations.
    pub const PROGRESSIVE_CALL_INVOCATIONS: &str = "progressive_call_invocations";
    /// Call timeouts.
    pub const CALL_TIMEOUT: &str = "call_timeout";
    /// Call canceling.
    pub const CALL_CANCELING: &str = "call_canceling";
    /// Caller identification.
    pub const CALLER_IDENTIFICATION: &str = "caller_identification";
    /// Call trust levels.
    pub const CALL_TRUSTLEVELS: &str = "call_trustlevels";
    /// Pattern-based registrations.
    pub const PATTERN_BASED_REGISTRATION: &str = "pattern_based_registration";
    /// Shared registrations.
    pub const SHARED_REGISTRATION: &str = "shared_registration";
    /// Sharded registrations.
    pub const SHARDED_REGISTRATION: &str = "sharded_registration";
    /// Registration revocation.
    pub const REGISTRATION_REVOCATION: &str = "registration_revocation";
    /// Registration meta API.
    pub const REGISTRATION_META_API: &str = "registration_meta_api";
    /// Publisher identification.
    pub const PUBLISHER_IDENTIFICATION: &str = "publisher_identification";
    /// Publisher exclusion.
    pub const PUBLISHER_EXCLUSION: &str = "publisher_exclusion";
    /// Subscriber black- and whitelisting.
    pub const SUBSCRIBER_BLACKWHITE_LISTING: &str = "subscriber_blackwhite_listing";
    /// Publication trust levels.
    pub const PUBLICATION_TRUSTLEVELS: &str = "publication_trustlevels";
    /// Pattern-based subscriptions.
    pub const PATTERN_BASED_SUBSCRIPTION: &str = "pattern_based_subscription";
    /// Subscription revocation.
    pub const SUBSCRIPTION_REVOCATION: &str = "subscription_revocation";
    /// Event retention.
    pub const EVENT_RETENTION: &str = "event_retention";
    /// Event history.
    pub const EVENT_HISTORY: &str = "event_history";
    /// Subscription meta API.
    pub const SUBSCRIPTION_META_API: &str = "subscription_meta_api";
    /// Session meta API.
    pub const SESSION_META_API: &str = "session_meta_api";
    /// Testament meta API.
    pub const TESTAMENT_META_API: &str = "testament_meta_api";
    /// Payload transparency (Autobahn's end-to-end encryption dialect).
    pub const PAYLOAD_TRANSPARENCY: &str = "payload_transparency";
    /// Payload end-to-end encryption with Autobahn's `cryptobox` (client roles).
    pub const PAYLOAD_ENCRYPTION_CRYPTOBOX: &str = "payload_encryption_cryptobox";
    /// Acknowledged event delivery (Autobahn/Crossbar extension).
    pub const X_ACKNOWLEDGED_EVENT_DELIVERY: &str = "x_acknowledged_event_delivery";
    /// A callee's `wamp.error.unavailable` makes the dealer re-route the call.
    pub const CALL_REROUTE: &str = "call_reroute";
}

/// What one role announces: its features, plus any other keys kept as received.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoleDetails {
    /// Feature flags (`features`), by name.
    pub features: Dict,
    /// Other keys of the role dict (e.g. `reflection`).
    pub extra: Dict,
}

impl RoleDetails {
    /// A role announcing the given features as `true`.
    pub fn with_features<'a>(features: impl IntoIterator<Item = &'a str>) -> Self {
        RoleDetails {
            features: features
                .into_iter()
                .map(|f| (f.to_owned(), Value::Bool(true)))
                .collect(),
            extra: Dict::new(),
        }
    }

    /// Whether a feature is announced as `true`.
    pub fn has_feature(&self, feature: &str) -> bool {
        self.features
            .get(feature)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
}

/// The `roles` dict of `HELLO` or `WELCOME`: role name → announced details.
///
/// Unknown role names are kept as received.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Roles(pub BTreeMap<String, RoleDetails>);

impl Roles {
    /// Adds a role.
    pub fn with(mut self, role: Role, details: RoleDetails) -> Self {
        self.0.insert(role.as_str().to_owned(), details);
        self
    }

    /// The details of a role, if announced.
    pub fn get(&self, role: Role) -> Option<&RoleDetails> {
        self.0.get(role.as_str())
    }

    /// Whether a role is announced.
    pub fn has(&self, role: Role) -> bool {
        self.0.contains_key(role.as_str())
    }

    /// Whether a role is announced with a feature set to `true`.
    pub fn has_feature(&self, role: Role, feature: &str) -> bool {
        self.get(role).is_some_and(|r| r.has_feature(feature))
    }

    /// Whether no role is announced.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Roles {
    /// Reads the roles from a dict of role dicts, each with an optional
    /// `features` dict.
    fn from_dynamic(value: &Value) -> Option<Self> {
        value
            .as_dict()?
            .iter()
            .map(|(name, role)| {
                let mut extra = role.as_dict()?.clone();
                let features = match extra.remove("features") {
                    None => Dict::new(),
                    Some(Value::Dict(f)) => f,
                    Some(_) => return None,
                };
                Some((name.clone(), RoleDetails { features, extra }))
            })
            .collect::<Option<BTreeMap<_, _>>>()
            .map(Roles)
    }
}

impl FieldType for Roles {
    const EXPECTED: &'static str = "a dict of role dicts";
    // Read once per session (HELLO, WELCOME): as a value, then checked.
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Result<Self, Value>, D::Error> {
        let value = Value::deserialize(d)?;
        Ok(Roles::from_dynamic(&value).ok_or(value))
    }
}

impl Serialize for Roles {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(&self.0)
    }
}

/// Written as one dict: the other keys and `features` (when not empty) in
/// sorted order; `features` wins over a key of the same name in `extra`.
impl Serialize for RoleDetails {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        const FEATURES: &str = "features";
        let with_features = !self.features.is_empty();
        let shadowed = with_features && self.extra.contains_key(FEATURES);
        let len = self.extra.len() + usize::from(with_features) - usize::from(shadowed);
        let mut m = s.serialize_map(Some(len))?;
        let mut pending = with_features;
        for (key, value) in &self.extra {
            if with_features && key == FEATURES {
                continue;
            }
            if pending && key.as_str() > FEATURES {
                m.serialize_entry(FEATURES, &self.features)?;
                pending = false;
            }
            m.serialize_entry(key, value)?;
        }
        if pending {
            m.serialize_entry(FEATURES, &self.features)?;
        }
        m.end()
    }
}
