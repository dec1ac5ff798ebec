//! Router-wide metrics, not tied to one realm: bytes per transport, the
//! outboxes' bytes, slow-consumer disconnects and ABORTs. Their handles are
//! made once per recorder generation and handed to each connection when it
//! starts, so a message costs an atomic add.

use std::sync::{Arc, Mutex, MutexGuard};

use super::handles::{self, Counter, Gauge, generation};
use super::labels::{Family, MAX_LABEL_VALUES};
use crate::transport::TransportKind;

/// Bytes received and sent on one kind of transport.
#[derive(Clone)]
pub(crate) struct TransportBytes {
    /// Frames received (payload bytes of the frames).
    pub(crate) received: Counter,
    /// Frames sent.
    pub(crate) sent: Counter,
}

const KINDS: [TransportKind; 7] = [
    TransportKind::WebSocket,
    TransportKind::SecureWebSocket,
    TransportKind::RawSocket,
    TransportKind::SecureRawSocket,
    TransportKind::Memory,
    TransportKind::UnixWebSocket,
    TransportKind::UnixRawSocket,
];

/// The `transport` label of a transport kind.
pub(crate) fn transport_label(kind: TransportKind) -> &'static str {
    match kind {
        TransportKind::WebSocket => "websocket",
        TransportKind::SecureWebSocket => "websocket_tls",
        TransportKind::RawSocket => "rawsocket",
        TransportKind::SecureRawSocket => "rawsocket_tls",
        TransportKind::Memory => "memory",
        TransportKind::UnixWebSocket => "websocket_unix",
        TransportKind::UnixRawSocket => "rawsocket_unix",
    }
}

struct Globals {
    generation: u64,
    transports: Vec<TransportBytes>,
    outbox: Gauge,
    slow_consumers: Counter,
    aborts: Mutex<Family<Counter>>,
}

impl Globals {
    fn new(generation: u64) -> Self {
        let transports = KINDS
            .iter()
            .map(|kind| {
                let transport = transport_label(*kind);
                TransportBytes {
                    received: handles::counter(
                        "wamp_router_transport_received_bytes_total",
                        &[("transport", transport)],
                    ),
                    sent: handles::counter(
                        "wamp_router_transport_sent_bytes_total",
                        &[("transport", transport)],
                    ),
                }
            })
            .collect();
        Globals {
            generation,
            transports,
            outbox: handles::gauge("wamp_router_outbox_bytes", &[]),
            slow_consumers: handles::counter("wamp_router_slow_consumer_disconnects_total", &[]),
            aborts: Mutex::new(Family::new(MAX_LABEL_VALUES)),
        }
    }
}

static GLOBALS: Mutex<Option<Arc<Globals>>> = Mutex::new(None);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn globals() -> Arc<Globals> {
    let now = generation();
    let mut slot = lock(&GLOBALS);
    match &*slot {
        Some(g) if g.generation == now => g.clone(),
        _ => {
            let g = Arc::new(Globals::new(now));
            *slot = Some(g.clone());
            g
        }
    }
}

/// The byte counters of a connection's transport kind.
pub(crate) fn transport_bytes(kind: TransportKind) -> TransportBytes {
    let i = KINDS.iter().position(|k| *k == kind).unwrap_or(0);
    globals().transports[i].clone()
}

/// The gauge of bytes waiting in every outbox of the router.
pub(crate) fn outbox_bytes() -> Gauge {
    globals().outbox.clone()
}

/// A session was disconnected because its outbox stayed full.
pub(crate) fn slow_consumer_disconnected() {
    globals().slow_consumers.increment(1);
}

/// An ABORT was sent (join refused, authentication failed, protocol
/// violation...), with its reason URI.
pub(crate) fn aborted(reason: &str) {
    let g = globals();
    let mut aborts = lock(&g.aborts);
    let (_, counter) = aborts.entry(reason, |reason| {
        handles::counter("wamp_router_aborts_total", &[("reason", reason)])
    });
    counter.increment(1);
}

static REALMS: Mutex<Option<Family<()>>> = Mutex::new(None);

/// The `realm` label of a realm: its name, or `<other>` past
/// [`MAX_LABEL_VALUES`] realms (realms created on demand are named by peers).
pub(crate) fn realm_label(name: &str) -> Arc<str> {
    let mut realms = lock(&REALMS);
    realms
        .get_or_insert_with(|| Family::new(MAX_LABEL_VALUES))
        .entry(name, |_| ())
        .0
}
