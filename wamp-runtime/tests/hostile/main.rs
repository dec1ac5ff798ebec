//! The hostile-client suite: the real router on loopback sockets, attacked
//! the way a hostile peer would (malformed frames in every serializer,
//! protocol violations in every state, identity spoofing, every resource
//! limit, stalled and slow consumers, half-open connections). After each case
//! the router must still serve a healthy session.

#[path = "../router/peer.rs"]
mod peer;

mod connection_limits;
mod delivery;
mod docs_http;
mod half_open;
