//! Typed Options and Details of every message, for every key the spec and
//! Autobahn|Python define. Unknown keys are kept in `extra` and pass through.

use super::field::{FieldType, dict_struct, string_enum};
use super::roles::Roles;
use crate::serializer::{Dict, Value};

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
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::String(s) => EncAlgo::new(s),
            _ => None,
        }
    }
    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
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

impl FieldType for Vec<ForwardFor> {
    const EXPECTED: &'static str = "a list of {session, authid, authrole} dicts";
    fn from_value(value: Value) -> Option<Self> {
        let Value::List(items) = value else {
            return None;
        };
        items
            .into_iter()
            .map(|item| {
                let Value::Dict(mut d) = item else {
                    return None;
                };
                Some(ForwardFor {
                    session: u64::from_value(d.remove("session")?)?,
                    authid: String::from_value(d.remove("authid")?)?,
                    authrole: String::from_value(d.remove("authrole")?)?,
                })
            })
            .collect()
    }
    fn to_value(&self) -> Value {
        Value::List(
            self.iter()
                .map(|f| {
                    let mut d = Dict::new();
                    d.insert("session".into(), Value::UInt(f.session));
                    d.insert("authid".into(), Value::String(f.authid.clone()));
                    d.insert("authrole".into(), Value::String(f.authrole.clone()));
                    Value::Dict(d)
                })
                .collect(),
        )
    }
}

dict_struct! {
    /// `HELLO.Details`: what a client announces when it joins.
    HelloDetails {
        /// Roles and features of the client (required).
        roles: Roles = "roles",
        /// Client software name and version.
        agent: String = "agent",
        /// Authentication methods the client offers, in order.
        authmethods: Vec<String> = "authmethods",
        /// Authentication ID the client asks for.
        authid: String = "authid",
        /// Authentication role the client asks for.
        authrole: String = "authrole",
        /// Extra authentication data (e.g. the cryptosign `pubkey`).
        authextra: Dict = "authextra",
        /// Whether the session may be resumed (Autobahn extension).
        resumable: bool = "resumable",
        /// Session to resume (Autobahn extension).
        resume_session: u64 = "resume-session",
        /// Token to resume with (Autobahn extension).
        resume_token: String = "resume-token",
        /// Transport information (e.g. transport-level authentication).
        transport: Dict = "transport",
    }
}

dict_struct! {
    /// `WELCOME.Details`: what the router tells a client that joined.
    WelcomeDetails {
        /// Roles and features of the router (required).
        roles: Roles = "roles",
        /// Router software name and version.
        agent: String = "agent",
        /// The realm joined (Crossbar).
        realm: String = "realm",
        /// Authenticated ID.
        authid: String = "authid",
        /// Authenticated role.
        authrole: String = "authrole",
        /// Method that authenticated the client.
        authmethod: String = "authmethod",
        /// Who authenticated the client.
        authprovider: String = "authprovider",
        /// Extra authentication data from the router.
        authextra: Dict = "authextra",
        /// Whether this session resumed an earlier one.
        resumed: bool = "resumed",
        /// Whether this session may be resumed.
        resumable: bool = "resumable",
        /// Token for resuming.
        resume_token: String = "resume_token",
    }
}

dict_struct! {
    /// `ABORT.Details` and `GOODBYE.Details`.
    CloseDetails {
        /// Human-readable explanation.
        message: String = "message",
        /// Whether the session may be resumed later (Autobahn extension).
        resumable: bool = "resumable",
    }
}

dict_struct! {
    /// `CHALLENGE.Extra`: what the router asks the client to prove.
    ChallengeExtra {
        /// The challenge (WAMP-CRA: a JSON string; cryptosign: 64 hex digits).
        challenge: String = "challenge",
        /// WAMP-CRA salt (salted secrets).
        salt: String = "salt",
        /// WAMP-CRA derived key length.
        keylen: u64 = "keylen",
        /// KDF iterations.
        iterations: u64 = "iterations",
        /// SCRAM KDF memory cost.
        memory: u64 = "memory",
        /// SCRAM KDF name.
        kdf: String = "kdf",
        /// SCRAM nonce.
        nonce: String = "nonce",
    }
}

dict_struct! {
    /// `AUTHENTICATE.Extra`.
    AuthenticateExtra {
        /// SCRAM nonce.
        nonce: String = "nonce",
        /// SCRAM channel binding data.
        cbind_data: String = "cbind_data",
    }
}

dict_struct! {
    /// `ERROR.Details`.
    ErrorDetails {
        /// Session ID of the callee that raised the error.
        callee: u64 = "callee",
        /// Its authid.
        callee_authid: String = "callee_authid",
        /// Its authrole.
        callee_authrole: String = "callee_authrole",
        /// Router-to-router forwarding chain.
        forward_for: Vec<ForwardFor> = "forward_for",
        /// Transparent payload algorithm.
        enc_algo: EncAlgo = "enc_algo",
        /// Transparent payload key ID.
        enc_key: String = "enc_key",
        /// Serializer of the transparent payload.
        enc_serializer: String = "enc_serializer",
    }
}

dict_struct! {
    /// `PUBLISH.Options`.
    PublishOptions {
        /// Ask for a PUBLISHED (or ERROR) answer.
        acknowledge: bool = "acknowledge",
        /// Do not send the event to the publisher (default true).
        exclude_me: bool = "exclude_me",
        /// Session IDs that must not receive the event.
        exclude: Vec<u64> = "exclude",
        /// Authids that must not receive the event.
        exclude_authid: Vec<String> = "exclude_authid",
        /// Authroles that must not receive the event.
        exclude_authrole: Vec<String> = "exclude_authrole",
        /// Only these session IDs may receive the event.
        eligible: Vec<u64> = "eligible",
        /// Only these authids may receive the event.
        eligible_authid: Vec<String> = "eligible_authid",
        /// Only these authroles may receive the event.
        eligible_authrole: Vec<String> = "eligible_authrole",
        /// Keep the event for subscribers that ask for retained events.
        retain: bool = "retain",
        /// Disclose the publisher's identity to subscribers.
        disclose_me: bool = "disclose_me",
        /// Transaction hash (Autobahn extension).
        transaction_hash: String = "transaction_hash",
        /// Router-to-router forwarding chain.
        forward_for: Vec<ForwardFor> = "forward_for",
        /// Transparent payload algorithm.
        enc_algo: EncAlgo = "enc_algo",
        /// Transparent payload key ID.
        enc_key: String = "enc_key",
        /// Serializer of the transparent payload.
        enc_serializer: String = "enc_serializer",
        /// Routing key of sharded subscriptions.
        rkey: String = "rkey",
    }
}

dict_struct! {
    /// `SUBSCRIBE.Options`.
    SubscribeOptions {
        /// How the topic is matched.
        match_: MatchPolicy = "match",
        /// Deliver the retained event right away.
        get_retained: bool = "get_retained",
        /// Node key of sharded subscriptions.
        nkey: String = "nkey",
        /// Router-to-router forwarding chain.
        forward_for: Vec<ForwardFor> = "forward_for",
    }
}

dict_struct! {
    /// `EVENT.Details`.
    EventDetails {
        /// Session ID of the publisher (when disclosed).
        publisher: u64 = "publisher",
        /// Authid of the publisher.
        publisher_authid: String = "publisher_authid",
        /// Authrole of the publisher.
        publisher_authrole: String = "publisher_authrole",
        /// The concrete topic (for pattern subscriptions).
        topic: String = "topic",
        /// Whether this is a retained event.
        retained: bool = "retained",
        /// Trust level of the publication.
        trustlevel: u64 = "trustlevel",
        /// Transaction hash (Autobahn extension).
        transaction_hash: String = "transaction_hash",
        /// The subscriber must answer with EVENT_RECEIVED (Autobahn extension).
        x_acknowledged_delivery: bool = "x_acknowledged_delivery",
        /// Router-to-router forwarding chain.
        forward_for: Vec<ForwardFor> = "forward_for",
        /// Transparent payload algorithm.
        enc_algo: EncAlgo = "enc_algo",
        /// Transparent payload key ID.
        enc_key: String = "enc_key",
        /// Serializer of the transparent payload.
        enc_serializer: String = "enc_serializer",
    }
}

dict_struct! {
    /// `CALL.Options`.
    CallOptions {
        /// Timeout in milliseconds (0 or absent: none).
        timeout: u64 = "timeout",
        /// The caller accepts progressive results.
        receive_progress: bool = "receive_progress",
        /// Disclose the caller's identity to the callee.
        disclose_me: bool = "disclose_me",
        /// This call is a progressive invocation chunk (more follow).
        progress: bool = "progress",
        /// Transaction hash (Autobahn extension).
        transaction_hash: String = "transaction_hash",
        /// Router-to-router forwarding chain.
        forward_for: Vec<ForwardFor> = "forward_for",
        /// Transparent payload algorithm.
        enc_algo: EncAlgo = "enc_algo",
        /// Transparent payload key ID.
        enc_key: String = "enc_key",
        /// Serializer of the transparent payload.
        enc_serializer: String = "enc_serializer",
        /// Run mode of sharded registrations (`partition`).
        runmode: String = "runmode",
        /// Routing key of sharded registrations.
        rkey: String = "rkey",
    }
}

dict_struct! {
    /// `CANCEL.Options`.
    CancelOptions {
        /// How to cancel.
        mode: CancelMode = "mode",
        /// Router-to-router forwarding chain.
        forward_for: Vec<ForwardFor> = "forward_for",
    }
}

dict_struct! {
    /// `RESULT.Details`.
    ResultDetails {
        /// More results follow (progressive results).
        progress: bool = "progress",
        /// Session ID of the callee.
        callee: u64 = "callee",
        /// Its authid.
        callee_authid: String = "callee_authid",
        /// Its authrole.
        callee_authrole: String = "callee_authrole",
        /// Router-to-router forwarding chain.
        forward_for: Vec<ForwardFor> = "forward_for",
        /// Transparent payload algorithm.
        enc_algo: EncAlgo = "enc_algo",
        /// Transparent payload key ID.
        enc_key: String = "enc_key",
        /// Serializer of the transparent payload.
        enc_serializer: String = "enc_serializer",
    }
}

dict_struct! {
    /// `REGISTER.Options`.
    RegisterOptions {
        /// How the procedure URI is matched.
        match_: MatchPolicy = "match",
        /// Which callee of a shared registration gets a call.
        invoke: InvokePolicy = "invoke",
        /// Most invocations in flight at this callee (Crossbar extension).
        concurrency: u64 = "concurrency",
        /// Take over an existing registration of the same authid (Crossbar extension).
        force_reregister: bool = "force_reregister",
        /// Ask the router to disclose callers.
        disclose_caller: bool = "disclose_caller",
        /// Forward the call timeout to the callee.
        forward_timeout: bool = "forward_timeout",
        /// Router-to-router forwarding chain.
        forward_for: Vec<ForwardFor> = "forward_for",
    }
}

dict_struct! {
    /// `INVOCATION.Details`.
    InvocationDetails {
        /// Session ID of the caller (when disclosed).
        caller: u64 = "caller",
        /// Authid of the caller.
        caller_authid: String = "caller_authid",
        /// Authrole of the caller.
        caller_authrole: String = "caller_authrole",
        /// The concrete procedure (for pattern registrations).
        procedure: String = "procedure",
        /// The caller accepts progressive results.
        receive_progress: bool = "receive_progress",
        /// This invocation is a progressive chunk (more follow).
        progress: bool = "progress",
        /// Timeout in milliseconds forwarded by the dealer.
        timeout: u64 = "timeout",
        /// Trust level of the call.
        trustlevel: u64 = "trustlevel",
        /// Transaction hash (Autobahn extension).
        transaction_hash: String = "transaction_hash",
        /// Router-to-router forwarding chain.
        forward_for: Vec<ForwardFor> = "forward_for",
        /// Transparent payload algorithm.
        enc_algo: EncAlgo = "enc_algo",
        /// Transparent payload key ID.
        enc_key: String = "enc_key",
        /// Serializer of the transparent payload.
        enc_serializer: String = "enc_serializer",
    }
}

dict_struct! {
    /// `INTERRUPT.Options`.
    InterruptOptions {
        /// How the call was canceled.
        mode: CancelMode = "mode",
        /// Why (e.g. `wamp.error.timeout`).
        reason: String = "reason",
        /// Router-to-router forwarding chain.
        forward_for: Vec<ForwardFor> = "forward_for",
    }
}

dict_struct! {
    /// `YIELD.Options`.
    YieldOptions {
        /// More results follow (progressive results).
        progress: bool = "progress",
        /// Session ID of the callee.
        callee: u64 = "callee",
        /// Its authid.
        callee_authid: String = "callee_authid",
        /// Its authrole.
        callee_authrole: String = "callee_authrole",
        /// Router-to-router forwarding chain.
        forward_for: Vec<ForwardFor> = "forward_for",
        /// Transparent payload algorithm.
        enc_algo: EncAlgo = "enc_algo",
        /// Transparent payload key ID.
        enc_key: String = "enc_key",
        /// Serializer of the transparent payload.
        enc_serializer: String = "enc_serializer",
    }
}

dict_struct! {
    /// Details of a router-initiated `UNSUBSCRIBED` (subscription revocation).
    UnsubscribedDetails {
        /// The revoked subscription.
        subscription: u64 = "subscription",
        /// Why it was revoked.
        reason: String = "reason",
    }
}

dict_struct! {
    /// Details of a router-initiated `UNREGISTERED` (registration revocation).
    UnregisteredDetails {
        /// The revoked registration.
        registration: u64 = "registration",
        /// Why it was revoked.
        reason: String = "reason",
    }
}

/// Options and details that can carry a transparent (end-to-end encrypted) payload.
pub trait PayloadOptions {
    /// The transparent payload algorithm, if the payload is transparent.
    fn enc_algo(&self) -> Option<&EncAlgo>;
}

macro_rules! impl_payload_options {
    ($($t:ty),*) => {$(
        impl PayloadOptions for $t {
            fn enc_algo(&self) -> Option<&EncAlgo> { self.enc_algo.as_ref() }
        }
    )*};
}
impl_payload_options!(
    ErrorDetails,
    PublishOptions,
    EventDetails,
    CallOptions,
    ResultDetails,
    InvocationDetails,
    YieldOptions
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_pass_through() {
        let mut d = Dict::new();
        d.insert("x_cb_node".into(), Value::String("node1".into()));
        d.insert("_custom".into(), Value::UInt(7));
        d.insert("acknowledge".into(), Value::Bool(true));
        let opts = PublishOptions::from_dict(d.clone(), "PUBLISH", "Options").unwrap();
        assert_eq!(opts.acknowledge, Some(true));
        assert_eq!(opts.extra.len(), 2);
        assert_eq!(opts.to_dict(), d);
    }

    #[test]
    fn wrong_types_name_the_key() {
        let mut d = Dict::new();
        d.insert("acknowledge".into(), Value::UInt(1));
        let err = PublishOptions::from_dict(d, "PUBLISH", "Options").unwrap_err();
        assert_eq!(
            err.to_string(),
            "PUBLISH.Options.acknowledge must be a bool, found integer 1"
        );
    }

    #[test]
    fn enc_algo_names() {
        for ok in ["cryptobox", "mqtt", "xbr", "x_my_algo"] {
            assert!(EncAlgo::is_valid(ok), "{ok}");
        }
        for bad in ["invalid", "X_foo", "x_1a", ""] {
            assert!(!EncAlgo::is_valid(bad), "{bad}");
        }
    }
}
