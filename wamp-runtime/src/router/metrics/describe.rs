//! Help text and units of every metric (router and client runtime), given
//! to the recorder once it is installed; the README's table says the same.

use ::metrics::{Unit, describe_counter, describe_gauge, describe_histogram};

/// Describes every `wamp_router_*` and `wamp_client_*` metric.
pub(crate) fn describe_all() {
    describe_gauge!(
        "wamp_router_sessions",
        "Sessions joined now, by realm and authentication method."
    );
    describe_counter!(
        "wamp_router_joins_total",
        "Sessions that joined, by realm and authentication method."
    );
    describe_counter!(
        "wamp_router_aborts_total",
        "ABORTs sent (join refused, authentication failed, protocol violation), by reason URI."
    );
    describe_counter!(
        "wamp_router_calls_total",
        "Calls answered, by realm, procedure (registration URI, <unregistered> or <meta>), outcome (result, error, timeout, canceled) and error URI."
    );
    describe_histogram!(
        "wamp_router_call_duration_seconds",
        Unit::Seconds,
        "Time from CALL to the final RESULT or ERROR, by realm and procedure."
    );
    describe_counter!(
        "wamp_router_events_published_total",
        "PUBLISH messages received, by realm."
    );
    describe_counter!(
        "wamp_router_events_delivered_total",
        "EVENTs sent to subscribers, by realm and subscription URI."
    );
    describe_counter!(
        "wamp_router_deliveries_dropped_total",
        "Messages that could not be delivered to their session (not encodable in its serializer, too large), by realm and reason."
    );
    describe_gauge!(
        "wamp_router_outbox_bytes",
        Unit::Bytes,
        "Bytes waiting in the outboxes of all sessions."
    );
    describe_counter!(
        "wamp_router_slow_consumer_disconnects_total",
        "Sessions disconnected because their outbox stayed full."
    );
    describe_counter!(
        "wamp_router_transport_received_bytes_total",
        Unit::Bytes,
        "Bytes of frames received, by transport."
    );
    describe_counter!(
        "wamp_router_transport_sent_bytes_total",
        Unit::Bytes,
        "Bytes of frames sent, by transport."
    );
    describe_counter!(
        "wamp_client_calls_total",
        "Calls made by this process's sessions, by outcome (result, error, timeout, canceled)."
    );
    describe_histogram!(
        "wamp_client_call_duration_seconds",
        Unit::Seconds,
        "Time from sending a CALL to its final answer, by outcome."
    );
    describe_counter!(
        "wamp_client_invocations_total",
        "Invocations handled, by procedure (as registered) and outcome (result, error)."
    );
    describe_counter!(
        "wamp_client_events_received_total",
        "EVENTs received, by topic (as subscribed)."
    );
}
