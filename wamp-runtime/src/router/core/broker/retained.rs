//! The retained events of a realm: the last retained event of each topic,
//! bounded by count and bytes, the oldest evicted first.
//!
//! The size of a retained event is the size of its PUBLISH message encoded in
//! the publisher's serializer: topic, options and payload, what the frame
//! took on the wire (the retained payload shares that frame's memory).

use std::collections::BTreeMap;

use crate::protocol::Payload;
use crate::protocol::id::Id;
use crate::protocol::options::WirePublishOptions;
use crate::router::core::hash::HashMap;

use super::publisher::Publisher;

/// The last retained event of a topic.
#[derive(Debug, Clone)]
pub(crate) struct Retained {
    /// Publication ID.
    pub(crate) publication: Id,
    /// Who published it.
    pub(crate) publisher: Option<Publisher>,
    /// Whether the publisher is disclosed.
    pub(crate) disclose: bool,
    /// The PUBLISH options (lists, encryption).
    pub(crate) options: WirePublishOptions,
    /// The event payload.
    pub(crate) payload: Payload,
}

/// A retained event with its place in the eviction order and its size.
#[derive(Debug)]
struct Entry {
    event: Retained,
    seq: u64,
    bytes: usize,
}

/// What storing a retained event did.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Stored {
    /// Topics whose retained event was evicted to make room (oldest first).
    pub(crate) evicted: Vec<String>,
}

/// The retained events of a realm.
#[derive(Debug, Default)]
pub(crate) struct RetainedEvents {
    by_topic: HashMap<String, Entry>,
    /// Topics by age: the smallest sequence number is the oldest.
    order: BTreeMap<u64, String>,
    next_seq: u64,
    bytes: usize,
}

impl RetainedEvents {
    /// Stores the retained event of `topic` (replacing the previous one),
    /// then evicts the oldest events until at most `max_count` events of at
    /// most `max_bytes` bytes in all are kept. An event larger than
    /// `max_bytes` alone is not kept.
    pub(crate) fn store(
        &mut self,
        topic: &str,
        event: Retained,
        bytes: usize,
        max_count: usize,
        max_bytes: usize,
    ) -> Stored {
        self.remove(topic);
        self.next_seq += 1;
        let seq = self.next_seq;
        self.order.insert(seq, topic.to_owned());
        self.by_topic
            .insert(topic.to_owned(), Entry { event, seq, bytes });
        self.bytes += bytes;
        let mut stored = Stored::default();
        while self.by_topic.len() > max_count || self.bytes > max_bytes {
            let Some((_, oldest)) = self.order.first_key_value() else {
                break;
            };
            let oldest = oldest.clone();
            self.remove(&oldest);
            stored.evicted.push(oldest);
        }
        stored
    }

    /// Forgets the retained event of a topic; whether there was one.
    pub(crate) fn remove(&mut self, topic: &str) -> bool {
        let Some(entry) = self.by_topic.remove(topic) else {
            return false;
        };
        self.order.remove(&entry.seq);
        self.bytes -= entry.bytes;
        true
    }

    /// Every retained event with its topic, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &Retained)> {
        self.by_topic.iter().map(|(t, e)| (t, &e.event))
    }

    /// Number of retained events.
    pub(crate) fn len(&self) -> usize {
        self.by_topic.len()
    }

    /// Bytes of the retained events, as measured when stored.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }
}
