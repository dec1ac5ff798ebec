//! ERROR replies the core sends for failed requests.

use crate::protocol::id::Id;
use crate::protocol::{ErrorMessage, Message, MessageType, Payload, Uri, Value};

/// The error of `wamp.subscription.get_events` for a subscription whose topic
/// has no event history configured (Crossbar.io's URI).
pub(crate) const HISTORY_UNAVAILABLE: &str = "wamp.error.history_unavailable";

/// The ERROR answering request `request` of type `request_type`, with error
/// `uri` and one positional argument: the message that names the problem.
pub(crate) fn error_reply(
    request_type: MessageType,
    request: Id,
    uri: &str,
    message: impl Into<String>,
) -> Message {
    let message: String = message.into();
    let args = if message.is_empty() {
        Vec::new()
    } else {
        vec![Value::String(message)]
    };
    Message::Error(ErrorMessage {
        request_type,
        request,
        details: Default::default(),
        error: Uri::from_trusted(uri),
        payload: Payload::from_values(args, Default::default()),
    })
}
