//! Typed Options and Details of every message, for every key the spec and
//! Autobahn|Python define. Unknown keys are kept in `extra` and pass through.
//!
//! Each struct is read straight from the frame with serde (known keys into
//! typed fields, one pass, no value tree) and written straight back.

mod payload_options;
mod pubsub;
mod rpc;
mod session;
#[cfg(test)]
mod tests;
mod values;

pub use payload_options::PayloadOptions;
pub use pubsub::{EventDetails, PublishOptions, SubscribeOptions, UnsubscribedDetails};
pub use rpc::{
    CallOptions, CancelOptions, ErrorDetails, InterruptOptions, InvocationDetails, RegisterOptions,
    ResultDetails, UnregisteredDetails, YieldOptions,
};
pub use session::{AuthenticateExtra, ChallengeExtra, CloseDetails, HelloDetails, WelcomeDetails};
pub use values::{CancelMode, EncAlgo, ForwardFor, InvokePolicy, MatchPolicy};
