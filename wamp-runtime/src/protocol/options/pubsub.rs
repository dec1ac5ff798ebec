//! Options and details of publish and subscribe: `PUBLISH`, `SUBSCRIBE`,
//! `EVENT`, and a router-initiated `UNSUBSCRIBED`.

use super::values::{EncAlgo, ForwardFor, MatchPolicy};
use crate::protocol::dict_struct::dict_struct;

dict_struct! {
    /// `PUBLISH.Options`.
    WirePublishOptions {
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
    WireSubscribeOptions {
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
    WireEventDetails {
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
    /// Details of a router-initiated `UNSUBSCRIBED` (subscription revocation).
    UnsubscribedDetails {
        /// The revoked subscription.
        subscription: u64 = "subscription",
        /// Why it was revoked.
        reason: String = "reason",
    }
}
