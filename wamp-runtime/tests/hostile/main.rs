//! The hostile-client suite: the real router on loopback sockets, attacked
//! the way a hostile peer would (malformed frames in every serializer,
//! protocol violations in every state, identity spoofing, every resource
//! limit, stalled and slow consumers, half-open connections). After each case
//! the router must still serve a healthy session.
//!
//! `harness` starts the router and opens raw WebSocket and RawSocket
//! connections; every case ends with `harness::assert_healthy`. Memory
//! bounds are measured on the standalone router, in
//! `wamp-router/tests/memory.rs`.

#[path = "../router/peer.rs"]
mod peer;

mod connection_limits;
mod consumers;
mod delivery;
mod docs_http;
mod frames;
mod half_open;
mod harness;
mod identity;
mod protocol;
mod session_limits;
