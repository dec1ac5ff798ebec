//! What the router announces in WELCOME: its agent string and the roles and
//! features it implements.

use crate::protocol::roles::{Role, RoleDetails, Roles, feature};

/// The agent string the router announces in WELCOME.
pub(crate) const AGENT: &str = concat!("wamp-rs-router/", env!("CARGO_PKG_VERSION"));

/// The roles and features the router announces: only what it implements.
pub(crate) fn router_roles() -> Roles {
    let broker = RoleDetails::with_features([
        feature::PUBLISHER_IDENTIFICATION,
        feature::PUBLISHER_EXCLUSION,
        feature::SUBSCRIBER_BLACKWHITE_LISTING,
        feature::PATTERN_BASED_SUBSCRIPTION,
        feature::EVENT_RETENTION,
        feature::SUBSCRIPTION_REVOCATION,
        feature::SUBSCRIPTION_META_API,
        feature::SESSION_META_API,
        feature::PAYLOAD_TRANSPARENCY,
        feature::EVENT_HISTORY,
        feature::X_ACKNOWLEDGED_EVENT_DELIVERY,
        feature::TESTAMENT_META_API,
    ]);
    let dealer = RoleDetails::with_features([
        feature::PROGRESSIVE_CALL_RESULTS,
        feature::PROGRESSIVE_CALL_INVOCATIONS,
        feature::CALL_TIMEOUT,
        feature::CALL_CANCELING,
        feature::CALLER_IDENTIFICATION,
        feature::PATTERN_BASED_REGISTRATION,
        feature::SHARED_REGISTRATION,
        feature::REGISTRATION_REVOCATION,
        feature::REGISTRATION_META_API,
        feature::SESSION_META_API,
        feature::PAYLOAD_TRANSPARENCY,
        feature::TESTAMENT_META_API,
        feature::CALL_REROUTE,
    ]);
    Roles::default()
        .with(Role::Broker, broker)
        .with(Role::Dealer, dealer)
}
