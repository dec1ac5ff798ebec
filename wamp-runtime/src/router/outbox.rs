//! A session's outbox: a queue of messages, bounded in bytes, that its
//! writer task encodes and writes. The realm shell pushes into it without
//! waiting; a full outbox is waited for after the realm lock is released
//! (backpressure on whoever routed), and a session whose outbox stays full
//! is disconnected as a stalled consumer.
//!
//! Messages are encoded by the writer, so the bytes a message takes are
//! estimated when it is pushed: the size of its payload as received plus
//! [`OVERHEAD`] for the rest. A shared EVENT counts in full in every outbox
//! it is queued in. A message larger than the whole budget is still queued,
//! alone. An outbox also holds at most [`MAX_MESSAGES`] messages, however
//! small: a shallow queue keeps what the writer encodes warm in the cache
//! (a queue of tens of thousands of small EVENTs cost ~5-10 % of fan-out
//! throughput).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{Semaphore, mpsc};

use crate::protocol::Message;
use crate::protocol::id::Id;
use crate::serializer::SerializerKind;

use super::metrics::Gauge;
use super::switch::Switch;

/// Bytes counted for a message besides its payload (type, IDs, URI, options).
pub(crate) const OVERHEAD: usize = 64;

/// Messages an outbox holds at most, whatever their size.
pub(crate) const MAX_MESSAGES: usize = 1024;

/// The smallest budget an outbox gets, whatever is configured.
const MIN_BUDGET: usize = 4096;

/// The estimated size of a message in an outbox.
fn cost(message: &Message) -> usize {
    OVERHEAD + message.payload().map_or(0, |p| p.encoded_len_hint())
}

/// One message sent to several sessions (an EVENT): encoded at most once per
/// serializer, by the first writer that needs it.
#[derive(Debug)]
pub(crate) struct SharedMessage {
    message: Message,
    cost: usize,
    frames: [OnceLock<Result<Bytes, String>>; 3],
}

impl SharedMessage {
    /// Shares a message.
    pub(crate) fn new(message: Message) -> Arc<Self> {
        Arc::new(SharedMessage {
            cost: cost(&message),
            message,
            frames: Default::default(),
        })
    }

    /// The frame for `serializer`, or why the message cannot be encoded in it.
    fn frame(&self, serializer: SerializerKind) -> Result<Bytes, String> {
        let slot = match serializer {
            SerializerKind::Json => 0,
            SerializerKind::MsgPack => 1,
            SerializerKind::Cbor => 2,
        };
        self.frames[slot]
            .get_or_init(|| encode(serializer, &self.message))
            .clone()
    }
}

/// What an outbox holds: a message of its own, or a shared one.
#[derive(Debug)]
pub(crate) enum Outbound {
    /// A message for this session only.
    One(Box<Message>),
    /// A message shared with other sessions.
    Shared(Arc<SharedMessage>),
}

impl Outbound {
    /// A message for one session.
    pub(crate) fn one(message: Message) -> Self {
        Outbound::One(Box::new(message))
    }

    /// The frame to write for a session of `serializer`, or why the message
    /// cannot be encoded in it.
    pub(crate) fn encode(&self, serializer: SerializerKind) -> Result<Bytes, String> {
        match self {
            Outbound::One(m) => encode(serializer, m),
            Outbound::Shared(s) => s.frame(serializer),
        }
    }

    /// The message itself.
    pub(crate) fn message(&self) -> &Message {
        match self {
            Outbound::One(m) => m,
            Outbound::Shared(s) => &s.message,
        }
    }

    /// The bytes it is estimated to take in an outbox.
    fn cost(&self) -> usize {
        match self {
            Outbound::One(m) => cost(m),
            Outbound::Shared(s) => s.cost,
        }
    }
}

fn encode(serializer: SerializerKind, message: &Message) -> Result<Bytes, String> {
    serializer.encode(message).map_err(|e| e.to_string())
}

/// A message in a connection's queue, with the session it is for and the
/// bytes of the budget it holds until written.
#[derive(Debug)]
pub(crate) struct Queued {
    /// The session (0 for handshake messages of the connection).
    pub(crate) session: Id,
    /// Bytes of the budget it holds.
    pub(crate) cost: u32,
    /// The message.
    pub(crate) item: Outbound,
}

/// The sending end of a connection's queue: shared by the sessions it
/// carries in turn.
#[derive(Debug, Clone)]
pub(crate) struct QueueTx {
    tx: mpsc::Sender<Queued>,
    budget: Arc<Semaphore>,
    limit: u32,
    /// Bytes waiting in every outbox of the router.
    gauge: Gauge,
}

impl QueueTx {
    /// What `item` holds of the budget: its estimated size, or the whole
    /// budget when larger (then it is queued alone).
    fn cost(&self, item: &Outbound) -> u32 {
        item.cost().min(self.limit as usize) as u32
    }

    /// Queues if the budget has room now; hands the item back if not.
    fn try_push(&self, session: Id, item: Outbound) -> Result<(), Option<Outbound>> {
        let cost = self.cost(&item);
        let permit = match self.budget.try_acquire_many(cost) {
            Ok(permit) => permit,
            Err(tokio::sync::TryAcquireError::NoPermits) => return Err(Some(item)),
            Err(tokio::sync::TryAcquireError::Closed) => return Err(None),
        };
        let queued = Queued {
            session,
            cost,
            item,
        };
        match self.tx.try_send(queued) {
            Ok(()) => {
                permit.forget();
                self.gauge.increment(f64::from(cost));
                Ok(())
            }
            // The permit goes back to the budget as it drops.
            Err(mpsc::error::TrySendError::Full(queued)) => Err(Some(queued.item)),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(None),
        }
    }

    /// Queues once the budget has room; `false` if the queue is closed.
    async fn push_wait(&self, session: Id, item: Outbound) -> bool {
        let cost = self.cost(&item);
        let Ok(permit) = self.budget.acquire_many(cost).await else {
            return false;
        };
        let queued = Queued {
            session,
            cost,
            item,
        };
        if self.tx.send(queued).await.is_err() {
            return false;
        }
        permit.forget();
        self.gauge.increment(f64::from(cost));
        true
    }
}

/// The receiving end of a connection's queue, for its writer task.
#[derive(Debug)]
pub(crate) struct QueueRx {
    rx: mpsc::Receiver<Queued>,
    budget: Arc<Semaphore>,
    limit: u32,
    gauge: Gauge,
}

impl QueueRx {
    /// Takes up to `limit` queued messages into `batch`; 0 when the queue is
    /// closed and empty.
    pub(crate) async fn recv_many(&mut self, batch: &mut Vec<Queued>, limit: usize) -> usize {
        self.rx.recv_many(batch, limit).await
    }

    /// Whether nothing is queued now.
    pub(crate) fn is_empty(&self) -> bool {
        self.rx.is_empty()
    }

    /// A queued message, if there is one now.
    pub(crate) fn try_recv(&mut self) -> Option<Queued> {
        self.rx.try_recv().ok()
    }

    /// Gives back the budget of messages written (or given up).
    pub(crate) fn release(&self, bytes: usize) {
        if bytes > 0 {
            self.budget.add_permits(bytes);
            self.gauge.decrement(bytes as f64);
        }
    }
}

impl Drop for QueueRx {
    /// Whoever waits for room learns that the connection is gone.
    fn drop(&mut self) {
        let held = (self.limit as usize).saturating_sub(self.budget.available_permits());
        self.gauge.decrement(held as f64);
        self.budget.close();
    }
}

/// A connection's queue holding at most `bytes` (estimated) and
/// [`MAX_MESSAGES`] messages at once: the sender for outboxes, the receiver
/// for the writer task.
pub(crate) fn channel(bytes: usize) -> (QueueTx, QueueRx) {
    let limit = bytes.clamp(MIN_BUDGET, u32::MAX as usize) as u32;
    let (tx, rx) = mpsc::channel(MAX_MESSAGES);
    let budget = Arc::new(Semaphore::new(limit as usize));
    let gauge = super::metrics::outbox_bytes();
    (
        QueueTx {
            tx,
            budget: budget.clone(),
            limit,
            gauge: gauge.clone(),
        },
        QueueRx {
            rx,
            budget,
            limit,
            gauge,
        },
    )
}

/// The sending end of a session's outbox, and the switch that closes it.
#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    queue: QueueTx,
    kill: Switch,
}

/// A message that found its outbox full, to be awaited after the lock.
#[derive(Debug)]
pub(crate) struct Deferred {
    session: Id,
    outbox: Outbox,
    item: Outbound,
}

impl Outbox {
    /// An outbox over a connection's queue, closed by `kill`.
    pub(crate) fn new(queue: QueueTx, kill: Switch) -> Self {
        Outbox { queue, kill }
    }

    /// Queues without waiting. A full outbox hands the message back in
    /// `deferred` for [`flush_deferred`]; a closed one drops it (the session
    /// is gone).
    pub(crate) fn push(&self, session: Id, item: Outbound, deferred: &mut Vec<Deferred>) {
        if self.kill.is_cancelled() {
            return;
        }
        if let Err(Some(item)) = self.queue.try_push(session, item) {
            deferred.push(Deferred {
                session,
                outbox: self.clone(),
                item,
            });
        }
    }

    /// Queues a message of the connection itself (handshake replies); a full
    /// outbox at that point means the peer does not read: the message is
    /// dropped and the connection closed.
    pub(crate) fn push_now(&self, message: Message) {
        if self.queue.try_push(0, Outbound::one(message)).is_err() {
            self.close();
        }
    }

    /// Closes the session's connection after what is queued.
    pub(crate) fn close(&self) {
        self.kill.cancel();
    }
}

/// Waits for room in the outboxes of deferred messages: the session that
/// routed them is held back (backpressure). A session whose outbox stays full
/// for `patience` is a stalled consumer and is disconnected.
pub(crate) async fn flush_deferred(deferred: Vec<Deferred>, patience: Duration) {
    for d in deferred {
        if d.outbox.kill.is_cancelled() {
            continue;
        }
        let queue = &d.outbox.queue;
        match tokio::time::timeout(patience, queue.push_wait(d.session, d.item)).await {
            Ok(true) => {}
            Ok(false) => d.outbox.close(),
            Err(_) => {
                tracing::warn!(
                    session = d.session,
                    outbox_bytes = queue.limit,
                    ?patience,
                    "slow consumer: outbox stayed full, disconnecting the session"
                );
                super::metrics::slow_consumer_disconnected();
                d.outbox.close();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Event, Payload};

    fn event(bytes: usize) -> Outbound {
        let payload = Payload::encode_args(SerializerKind::Json, &["x".repeat(bytes)]).unwrap();
        Outbound::one(Message::Event(Event {
            subscription: 1,
            publication: 1,
            details: Default::default(),
            payload,
        }))
    }

    #[tokio::test]
    async fn the_budget_counts_bytes_and_a_larger_message_goes_alone() {
        let (tx, mut rx) = channel(8192);
        let outbox = Outbox::new(tx, Switch::new());
        let mut deferred = Vec::new();
        for _ in 0..3 {
            outbox.push(1, event(3000), &mut deferred);
        }
        assert_eq!(
            deferred.len(),
            1,
            "two messages of ~3 KiB fit in 8 KiB, not three"
        );
        let mut batch = Vec::new();
        assert_eq!(rx.recv_many(&mut batch, 16).await, 2);
        let written: usize = batch.iter().map(|q| q.cost as usize).sum();
        assert!(written > 6000 && written <= 8192, "{written}");
        // Written: the budget comes back and the deferred message goes in.
        rx.release(written);
        flush_deferred(deferred, Duration::from_secs(1)).await;
        batch.clear();
        assert_eq!(rx.recv_many(&mut batch, 16).await, 1);
        rx.release(batch[0].cost as usize);
        // A message larger than the whole budget is queued, alone.
        let mut deferred = Vec::new();
        outbox.push(1, event(100_000), &mut deferred);
        assert!(deferred.is_empty());
        outbox.push(1, event(10), &mut deferred);
        assert_eq!(
            deferred.len(),
            1,
            "nothing else while the big one is queued"
        );
    }

    #[tokio::test]
    async fn the_queue_also_holds_at_most_max_messages() {
        let (tx, _rx) = channel(64 * 1024 * 1024);
        let outbox = Outbox::new(tx, Switch::new());
        let mut deferred = Vec::new();
        for _ in 0..MAX_MESSAGES + 5 {
            outbox.push(1, event(1), &mut deferred);
        }
        assert_eq!(deferred.len(), 5);
    }

    #[tokio::test]
    async fn waiting_for_a_gone_writer_ends_at_once() {
        let (tx, rx) = channel(4096);
        let kill = Switch::new();
        let outbox = Outbox::new(tx, kill.clone());
        let mut deferred = Vec::new();
        outbox.push(1, event(4000), &mut deferred);
        outbox.push(1, event(4000), &mut deferred);
        assert_eq!(deferred.len(), 1);
        drop(rx);
        let started = std::time::Instant::now();
        flush_deferred(deferred, Duration::from_secs(30)).await;
        assert!(started.elapsed() < Duration::from_secs(1));
        assert!(kill.is_cancelled(), "the session is closed");
    }
}
