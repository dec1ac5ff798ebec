//! Typed Options and Details of every message, for every key the spec and
//! Autobahn|Python define. Unknown keys are kept in `extra` and pass through.
//!
//! Each struct is read straight from the frame with serde (known keys into
//! typed fields, one pass, no value tree) and written straight back.
//!
//! The dicts that have a user-facing counterpart in the client carry the
//! `Wire` prefix (`WireCallOptions` is what `wamp::CallOptions` becomes on the
//! wire), so every public type name means one thing.

mod payload_options;
mod pubsub;
mod rpc;
mod session;
#[cfg(test)]
mod tests;
mod values;

pub use payload_options::PayloadOptions;
pub use pubsub::{UnsubscribedDetails, WireEventDetails, WirePublishOptions, WireSubscribeOptions};
pub use rpc::{
    CancelOptions, ErrorDetails, InterruptOptions, InvocationDetails, ResultDetails,
    UnregisteredDetails, WireCallOptions, WireRegisterOptions, YieldOptions,
};
pub use session::{AuthenticateExtra, ChallengeExtra, CloseDetails, HelloDetails, WelcomeDetails};
pub use values::{CancelMode, EncAlgo, ForwardFor, InvokePolicy, MatchPolicy};
