//! WebSocket transport (`ws://`, `wss://`) on tokio-tungstenite.
//!
//! The serializer is negotiated with `Sec-WebSocket-Protocol` (`wamp.2.json`,
//! `wamp.2.msgpack`, `wamp.2.cbor`). One WAMP message is one WebSocket message:
//! text for JSON, binary for MessagePack and CBOR; a message of the other type is
//! a [`TransportError::Framing`](super::TransportError::Framing) error. Pings
//! are answered by tungstenite while reading, and flushed from the reading side too.
//! Closing sends the [`CloseCode`](super::CloseCode) the session layer set
//! (1000 by default); a peer's close without a code is answered with 1000,
//! errors while reading with 1002, 1003, 1007 or 1009 (see [`frames`]).
//!
//! Server negotiation: the **client's** order of preference wins. The server
//! picks the first subprotocol in the client's list that it accepts, as
//! Autobahn and Crossbar do; [`ServerOptions::serializers`](super::ServerOptions::serializers)
//! only filters.
//!
//! - [`client`]: the client's opening handshake;
//! - [`server`]: the server's opening handshake, with [`negotiate`] choosing the serializer;
//! - [`frames`]: an established connection as a [`Transport`](super::Transport) of WAMP frames;
//! - [`config`] and [`error`]: tungstenite's settings and errors, shared by both sides.

mod client;
mod config;
mod error;
mod frames;
mod negotiate;
mod server;

pub(super) use client::client;
pub(super) use server::server;
