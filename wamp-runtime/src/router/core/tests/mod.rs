//! Tests of the router core, driven without sockets: dealer, broker and meta
//! API through [`RealmCore`], and a seeded simulation checking invariants.

mod acks;
mod broker;
mod dealer;
mod harness;
mod history;
mod limits;
mod meta;
mod reroute;
mod simulation;
mod testament;
mod undeliverable;
