//! Resource limits of the router: what one session, one realm and one
//! listener may cost. Every limit has a default that is safe on a public port
//! and a key under `[limits]` in the standalone router's TOML.
//!
//! A request over a per-session limit ends in an ERROR with the URI
//! [`LIMIT_EXCEEDED`](crate::protocol::uris::LIMIT_EXCEEDED) and a message
//! naming the limit; a connection over a per-connection limit ends in an
//! ABORT with the same URI.

use serde::Deserialize;

/// Every resource limit of the router.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Bytes of encoded frames queued for one session. When a session's
    /// queue is full, the session routing to it waits for room
    /// (backpressure); one message larger than this is still queued alone.
    pub outbox_bytes: usize,
    /// Milliseconds a full queue may stay full before its session is
    /// disconnected as a stalled consumer.
    pub slow_consumer_timeout_ms: u64,
    /// Seconds a new connection has to complete HELLO and authentication.
    pub join_timeout_secs: u64,
    /// Open connections per listener (joined or not); more are closed at once.
    pub connections_per_listener: usize,
    /// Sessions joined to one realm; more are refused with ABORT.
    pub sessions_per_realm: usize,
    /// Calls one session may have in flight (sent, not yet answered).
    pub calls_per_session: usize,
    /// Registrations one session may hold.
    pub registrations_per_session: usize,
    /// Subscriptions one session may hold.
    pub subscriptions_per_session: usize,
    /// Retained events kept per realm (one per topic); the oldest is evicted
    /// first.
    pub retained_events_per_realm: usize,
    /// Bytes of retained events kept per realm (payload and options as
    /// received); the oldest are evicted first.
    pub retained_bytes_per_realm: usize,
    /// Largest event that may be retained, in bytes; a larger one is still
    /// published but not retained.
    pub retained_event_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            outbox_bytes: 4 * 1024 * 1024,
            slow_consumer_timeout_ms: 2000,
            join_timeout_secs: 10,
            connections_per_listener: 10_000,
            sessions_per_realm: 10_000,
            calls_per_session: 1000,
            registrations_per_session: 1000,
            subscriptions_per_session: 1000,
            retained_events_per_realm: 10_000,
            retained_bytes_per_realm: 16 * 1024 * 1024,
            retained_event_bytes: 64 * 1024,
        }
    }
}
