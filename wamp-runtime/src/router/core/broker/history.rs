//! Event history (`event_history`): the newest events of the topics the realm
//! config lists (`store.event_history`), kept in memory, bounded per topic,
//! for `wamp.subscription.get_events`.

use std::collections::VecDeque;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::protocol::id::Id;
use crate::protocol::options::MatchPolicy;
use crate::protocol::{Dict, Payload, Value};
use crate::router::config::{MAX_EVENT_HISTORY_LIMIT, StoreConfig};

use super::super::uri_index;

/// Most payload bytes one topic's history keeps, whatever its `limit`: the
/// oldest events are dropped first to stay under it.
pub(crate) const MAX_EVENT_HISTORY_BYTES: usize = 16 * 1024 * 1024;

/// One event kept in a history.
#[derive(Debug, Clone)]
pub(crate) struct StoredEvent {
    /// When it was published.
    pub(crate) time: SystemTime,
    /// Its publication ID.
    pub(crate) publication: Id,
    /// The concrete topic.
    pub(crate) topic: String,
    /// Its positional arguments.
    pub(crate) args: Vec<Value>,
    /// Its keyword arguments.
    pub(crate) kwargs: Dict,
    /// The publisher: session, authid, authrole.
    pub(crate) publisher: (Id, String, String),
    /// Bytes of its payload as received, counted against
    /// [`MAX_EVENT_HISTORY_BYTES`].
    pub(crate) size: usize,
}

impl StoredEvent {
    /// The event as `wamp.subscription.get_events` returns it: Crossbar's
    /// keys (`time_ns`, `realm`, `session_id`, `authid`, `authrole`,
    /// `publication`, `topic`, `args`, `kwargs`) plus the spec's `timestamp`
    /// (RFC 3339) and `subscription`.
    pub(crate) fn describe(&self, realm: &str, subscription: Id) -> Value {
        let since_epoch = self.time.duration_since(UNIX_EPOCH).unwrap_or_default();
        let mut d = Dict::new();
        d.insert(
            "timestamp".into(),
            Value::String(humantime::format_rfc3339_millis(self.time).to_string()),
        );
        d.insert(
            "time_ns".into(),
            Value::UInt(u64::try_from(since_epoch.as_nanos()).unwrap_or(u64::MAX)),
        );
        d.insert("realm".into(), Value::String(realm.into()));
        d.insert("subscription".into(), Value::UInt(subscription));
        d.insert("publication".into(), Value::UInt(self.publication));
        d.insert("topic".into(), Value::String(self.topic.clone()));
        d.insert("session_id".into(), Value::UInt(self.publisher.0));
        d.insert("authid".into(), Value::String(self.publisher.1.clone()));
        d.insert("authrole".into(), Value::String(self.publisher.2.clone()));
        d.insert("args".into(), Value::List(self.args.clone()));
        d.insert("kwargs".into(), Value::Dict(self.kwargs.clone()));
        Value::Dict(d)
    }
}

/// The history of one configured topic or pattern.
#[derive(Debug)]
struct TopicHistory {
    uri: String,
    policy: MatchPolicy,
    limit: usize,
    events: VecDeque<StoredEvent>,
    bytes: usize,
}

/// Every history of a realm.
#[derive(Debug, Default)]
pub(crate) struct History {
    topics: Vec<TopicHistory>,
}

impl History {
    /// The histories a realm's store config lists (limits above
    /// [`MAX_EVENT_HISTORY_LIMIT`] are lowered to it).
    pub(crate) fn new(config: &StoreConfig) -> Self {
        if config.kind != "memory" {
            tracing::warn!(kind = %config.kind, "unknown store type; events are kept in memory");
        }
        let topics = config
            .event_history
            .iter()
            .map(|entry| {
                let wanted = entry.limit.unwrap_or(config.limit);
                if wanted > MAX_EVENT_HISTORY_LIMIT {
                    tracing::warn!(
                        uri = %entry.uri,
                        limit = wanted,
                        max = MAX_EVENT_HISTORY_LIMIT,
                        "event history limit lowered to the maximum"
                    );
                }
                TopicHistory {
                    uri: entry.uri.clone(),
                    policy: entry.match_,
                    limit: wanted.min(MAX_EVENT_HISTORY_LIMIT),
                    events: VecDeque::new(),
                    bytes: 0,
                }
            })
            .collect();
        History { topics }
    }

    /// Whether any history keeps events of `topic`.
    pub(crate) fn wants(&self, topic: &str) -> bool {
        self.topics
            .iter()
            .any(|t| t.limit > 0 && uri_index::matches(t.policy, &t.uri, topic))
    }

    /// Keeps an event in every history whose URI matches its topic, dropping
    /// the oldest past each limit. A payload the router cannot read (an
    /// end-to-end encrypted one) is not kept, and that is logged.
    pub(crate) fn record(
        &mut self,
        publication: Id,
        topic: &str,
        payload: &Payload,
        publisher: (Id, &str, &str),
    ) {
        let (args, kwargs) = match (payload.args_values(), payload.kwargs_values()) {
            (Ok(args), Ok(kwargs)) => (args, kwargs),
            (Err(e), _) | (_, Err(e)) => {
                tracing::info!(topic, publication, error = %e, "event not kept in the history: its payload cannot be read");
                return;
            }
        };
        let size =
            payload.raw_args().map_or(0, |b| b.len()) + payload.raw_kwargs().map_or(0, |b| b.len());
        if size > MAX_EVENT_HISTORY_BYTES {
            tracing::info!(
                topic,
                publication,
                size,
                "event not kept in the history: larger than the history of a topic may be"
            );
            return;
        }
        let event = StoredEvent {
            size,
            time: SystemTime::now(),
            publication,
            topic: topic.to_owned(),
            args,
            kwargs,
            publisher: (publisher.0, publisher.1.to_owned(), publisher.2.to_owned()),
        };
        for history in self
            .topics
            .iter_mut()
            .filter(|t| t.limit > 0 && uri_index::matches(t.policy, &t.uri, topic))
        {
            history.bytes += event.size;
            history.events.push_back(event.clone());
            while history.events.len() > history.limit || history.bytes > MAX_EVENT_HISTORY_BYTES {
                let Some(old) = history.events.pop_front() else {
                    break;
                };
                history.bytes -= old.size;
            }
        }
    }

    /// The newest `limit` events of the history configured for exactly
    /// (`uri`, `policy`), newest first; `None` when that subscription has no
    /// history.
    pub(crate) fn newest(
        &self,
        uri: &str,
        policy: MatchPolicy,
        limit: usize,
    ) -> Option<impl Iterator<Item = &StoredEvent>> {
        let history = self
            .topics
            .iter()
            .find(|t| t.uri == uri && t.policy == policy)?;
        Some(history.events.iter().rev().take(limit))
    }

    /// How many events the histories keep in all.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.topics.iter().map(|t| t.events.len()).sum()
    }
}
