//! The client runtime's metrics through the `metrics` facade
//! (`wamp_client_*`, described in the README): calls made by outcome with
//! their latency, invocations handled by procedure and outcome, events
//! received by topic. They go to whatever recorder the application (or the
//! embedded router's admin listener) installed; without the `metrics`
//! feature nothing is recorded.
//!
//! Procedure and topic labels are the ones this process registered and
//! subscribed, at most [`MAX_LABEL_VALUES`] of each, then `<other>`. Their
//! keys are made once and kept, so recording allocates nothing.

use std::time::Instant;

use crate::client::error::Error;
use crate::protocol::uris;

/// Most distinct procedure (or topic) label values; more are `<other>`.
#[cfg_attr(not(feature = "metrics"), allow(dead_code))]
pub(crate) const MAX_LABEL_VALUES: usize = 1000;

/// When a call was sent, to time it when it ends.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallTimer(Instant);

impl CallTimer {
    /// A call starts now.
    pub(crate) fn start() -> Self {
        CallTimer(Instant::now())
    }

    /// The call ended with its final answer.
    pub(crate) fn answered<T>(self, answer: &Result<T, Error>) {
        let outcome = match answer {
            Ok(_) => "result",
            Err(e) if e.uri() == uris::TIMEOUT => "timeout",
            Err(e) if e.uri() == uris::CANCELED => "canceled",
            Err(_) => "error",
        };
        self.ended(outcome);
    }

    /// The call ended without an answer: `timeout` (the local deadline) or
    /// `canceled` (dropped).
    pub(crate) fn ended(self, outcome: &'static str) {
        imp::call(outcome, self.0.elapsed().as_secs_f64());
    }
}

/// An invocation of `procedure` (as registered) was handled.
pub(crate) fn invocation_handled(procedure: &str, ok: bool) {
    imp::invocation(procedure, if ok { "result" } else { "error" });
}

/// An EVENT of `topic` was received.
pub(crate) fn event_received(topic: &str) {
    imp::event(topic);
}

#[cfg(feature = "metrics")]
mod imp {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use ::metrics::{Key, Label, Level, Metadata, counter, histogram};

    use super::MAX_LABEL_VALUES;

    static METADATA: Metadata<'static> = Metadata::new(module_path!(), Level::INFO, None);

    pub(super) fn call(outcome: &'static str, seconds: f64) {
        counter!("wamp_client_calls_total", "outcome" => outcome).increment(1);
        histogram!("wamp_client_call_duration_seconds", "outcome" => outcome).record(seconds);
    }

    /// Keys per label value, at most [`MAX_LABEL_VALUES`] then `<other>`,
    /// with a fixed extra label.
    struct Keys {
        map: Mutex<Option<HashMap<String, Key>>>,
        name: &'static str,
        label: &'static str,
        extra: Option<(&'static str, &'static str)>,
    }

    impl Keys {
        const fn new(
            name: &'static str,
            label: &'static str,
            extra: Option<(&'static str, &'static str)>,
        ) -> Self {
            Keys {
                map: Mutex::new(None),
                name,
                label,
                extra,
            }
        }

        fn increment(&self, value: &str) {
            let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
            let map = map.get_or_insert_with(HashMap::new);
            let value = if map.contains_key(value) || map.len() < MAX_LABEL_VALUES {
                value
            } else {
                "<other>"
            };
            if !map.contains_key(value) {
                let mut labels = vec![Label::new(self.label, value.to_owned())];
                if let Some((k, v)) = self.extra {
                    labels.push(Label::new(k, v));
                }
                map.insert(value.to_owned(), Key::from_parts(self.name, labels));
            }
            if let Some(key) = map.get(value) {
                ::metrics::with_recorder(|r| r.register_counter(key, &METADATA).increment(1));
            }
        }
    }

    static RESULTS: Keys = Keys::new(
        "wamp_client_invocations_total",
        "procedure",
        Some(("outcome", "result")),
    );
    static ERRORS: Keys = Keys::new(
        "wamp_client_invocations_total",
        "procedure",
        Some(("outcome", "error")),
    );
    static EVENTS: Keys = Keys::new("wamp_client_events_received_total", "topic", None);

    pub(super) fn invocation(procedure: &str, outcome: &'static str) {
        let keys = if outcome == "result" {
            &RESULTS
        } else {
            &ERRORS
        };
        keys.increment(procedure);
    }

    pub(super) fn event(topic: &str) {
        EVENTS.increment(topic);
    }
}

#[cfg(not(feature = "metrics"))]
mod imp {
    pub(super) fn call(_: &'static str, _: f64) {}
    pub(super) fn invocation(_: &str, _: &'static str) {}
    pub(super) fn event(_: &str) {}
}
