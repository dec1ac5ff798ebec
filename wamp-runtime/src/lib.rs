//! WAMP v2 for Rust: routed RPC and publish/subscribe.
//!
//! This crate is imported as `wamp`. It holds:
//!
//! - [`protocol`]: the 25 WAMP messages, their options and details, URIs, IDs and
//!   application payloads, with no I/O;
//! - [`serializer`]: JSON, MessagePack and CBOR behind one trait;
//! - [`transport`]: WebSocket, RawSocket (both with optional TLS) and an in-memory
//!   transport, all yielding whole frames;
//! - [`auth`]: authentication methods (anonymous, ticket, WAMP-CRA, cryptosign);
//! - [`client`]: the [`Session`] handle and the reconnecting [`Component`].
//!
//! Messages are typed values; their payloads stay in the serializer's bytes until
//! someone asks for them as a type:
//!
//! ```
//! use wamp::protocol::{Call, Message, Payload, Uri};
//! use wamp::SerializerKind;
//!
//! let add = Uri::new("com.math.add").unwrap();
//! for kind in SerializerKind::ALL {
//!     let payload = Payload::encode_args(kind, &(2, 3)).unwrap();
//!     let frame = kind.encode(&Message::Call(Call::new(1, add.clone(), payload))).unwrap();
//!     let Message::Call(call) = kind.decode(frame).unwrap() else { unreachable!() };
//!     assert_eq!(call.procedure, add);
//!     assert_eq!(call.payload.args::<(i64, i64)>().unwrap(), (2, 3));
//! }
//! ```

pub mod auth;
pub mod client;
pub mod protocol;
pub mod router;
pub mod serializer;
pub mod transport;

pub use protocol::{Message, Payload, ProtocolError, Value};
pub use serializer::SerializerKind;

pub use client::{
    ApplicationError, CallDetails, CallOptions, CallRequest, CallResult, CancellationToken,
    CloseReason, Component, Error, EventContext, EventDetails, Invocation, PendingCall,
    ProgressSender, PublishOptions, RegisterOptions, Registration, Session, SessionDetails, State,
    SubscribeOptions, Subscription, run,
};
