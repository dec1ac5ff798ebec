//! Options and details that can carry a transparent (end-to-end encrypted) payload.

use super::pubsub::{WireEventDetails, WirePublishOptions};
use super::rpc::{ErrorDetails, InvocationDetails, ResultDetails, WireCallOptions, YieldOptions};
use super::values::EncAlgo;

/// Options and details that can carry a transparent (end-to-end encrypted) payload.
pub trait PayloadOptions {
    /// The transparent payload algorithm, if the payload is transparent.
    fn enc_algo(&self) -> Option<&EncAlgo>;
}

macro_rules! impl_payload_options {
    ($($t:ty),*) => {$(
        impl PayloadOptions for $t {
            fn enc_algo(&self) -> Option<&EncAlgo> { self.enc_algo.as_ref() }
        }
    )*};
}
impl_payload_options!(
    ErrorDetails,
    WirePublishOptions,
    WireEventDetails,
    WireCallOptions,
    ResultDetails,
    InvocationDetails,
    YieldOptions
);
