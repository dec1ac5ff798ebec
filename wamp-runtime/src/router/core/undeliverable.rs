//! Messages the shell could not deliver (not encodable in the receiver's
//! serializer, or larger than the receiver accepts), and what the core does
//! instead so that nobody waits forever: the request they answer or carry
//! ends with an ERROR naming the problem.

use std::fmt;

use crate::protocol::id::Id;
use crate::protocol::options::{CancelMode, InterruptOptions};
use crate::protocol::uris;
use crate::protocol::{Abort, Interrupt, Message, MessageType, Uri};
use crate::serializer::SerializerKind;

use super::dealer::Dealer;
use super::env::Env;
use super::errors::error_reply;

/// Why a message could not be delivered to its session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Undeliverable {
    /// The encoded message is larger than the receiver's transport accepts.
    TooLarge {
        /// Size of the encoded message.
        size: usize,
        /// The receiver's limit.
        limit: usize,
    },
    /// The message cannot be encoded in the receiver's serializer (a map with
    /// non-string keys or a CBOR tag for JSON, ...).
    NotEncodable {
        /// The receiver's serializer.
        serializer: SerializerKind,
        /// What the encoder said.
        reason: String,
    },
}

/// Longest encoder explanation quoted in an ERROR.
const MAX_REASON: usize = 200;

/// A message at most this large is not replaced by another ERROR when it is
/// too large: a short ERROR would not fit either.
const SMALLEST_REPLACEABLE: usize = 512;

impl Undeliverable {
    /// The error URI for this failure: `wamp.error.payload_size_exceeded` or
    /// `wamp.error.invalid_payload`.
    pub(crate) fn uri(&self) -> &'static str {
        match self {
            Undeliverable::TooLarge { .. } => uris::PAYLOAD_SIZE_EXCEEDED,
            Undeliverable::NotEncodable { .. } => uris::INVALID_PAYLOAD,
        }
    }
}

impl fmt::Display for Undeliverable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Undeliverable::TooLarge { size, limit } => write!(
                f,
                "the message is {size} bytes, more than the {limit} bytes the receiving session accepts"
            ),
            Undeliverable::NotEncodable { serializer, reason } => {
                let mut end = reason.len().min(MAX_REASON);
                while !reason.is_char_boundary(end) {
                    end -= 1;
                }
                let ellipsis = if end < reason.len() { "..." } else { "" };
                write!(
                    f,
                    "the payload cannot be encoded in {serializer}, the receiving session's serializer: {}{ellipsis}",
                    &reason[..end]
                )
            }
        }
    }
}

/// The request type and ID a reply answers, for the replies that have one.
fn request_of(message: &Message) -> Option<(MessageType, Id)> {
    Some(match message {
        Message::Registered(m) => (MessageType::Register, m.request),
        Message::Unregistered(m) => (MessageType::Unregister, m.request),
        Message::Subscribed(m) => (MessageType::Subscribe, m.request),
        Message::Unsubscribed(m) => (MessageType::Unsubscribe, m.request),
        Message::Published(m) => (MessageType::Publish, m.request),
        _ => return None,
    })
}

/// What to do about `message`, which could not be delivered to `session`
/// (EVENTs excepted: the realm counts those).
pub(crate) fn answer(
    env: &mut Env<'_>,
    dealer: &mut Dealer,
    session: Id,
    message: &Message,
    reason: &Undeliverable,
) {
    match message {
        Message::Invocation(inv) => {
            let key = (session, inv.request);
            let Some(call) = dealer.finish(key) else {
                tracing::debug!(session, request = inv.request, %reason, "undeliverable INVOCATION of a call no longer in flight");
                return;
            };
            let procedure = dealer
                .registrations
                .get(call.registration)
                .map(|r| r.uri.clone())
                .unwrap_or_default();
            tracing::info!(callee = session, caller = call.caller, %procedure, %reason, "INVOCATION not delivered; the call ends with an ERROR");
            // A further chunk of a progressive call: the callee is waiting for more.
            if inv.details.progress.is_some() && env.members.features(session).call_canceling {
                env.out.send(session, interrupt(inv.request, reason.uri()));
            }
            let (uri, text) = if call.killed {
                (uris::CANCELED, "call canceled".to_owned())
            } else {
                (
                    reason.uri(),
                    format!(
                        "the call of <{procedure}> could not be delivered to the callee: {reason}"
                    ),
                )
            };
            env.out.send(
                call.caller,
                error_reply(MessageType::Call, call.call_request, uri, text),
            );
        }
        Message::Result(result) => {
            if result.details.progress == Some(true) {
                // The call goes on at the callee: end it there, and answer
                // the caller only once.
                let Some(key) = dealer.call_of(session, result.request) else {
                    return;
                };
                if let Some(call) = dealer.finish(key)
                    && env.members.features(call.callee).call_canceling
                {
                    env.out.send(call.callee, interrupt(key.1, reason.uri()));
                }
            }
            tracing::info!(caller = session, request = result.request, %reason, "RESULT not delivered; the caller gets an ERROR instead");
            let text = format!("the result of the call could not be delivered: {reason}");
            env.out.send(
                session,
                error_reply(MessageType::Call, result.request, reason.uri(), text),
            );
        }
        Message::Error(error) => {
            if matches!(reason, Undeliverable::TooLarge { size, .. } if *size <= SMALLEST_REPLACEABLE)
            {
                tracing::warn!(session, request = error.request, %reason, "even a short ERROR cannot be delivered to the session; dropped");
                return;
            }
            tracing::info!(session, request = error.request, error = %error.error, %reason, "ERROR not delivered; a short one without its payload replaces it");
            let text = format!("the error's arguments could not be delivered: {reason}");
            env.out.send(
                session,
                error_reply(
                    error.request_type,
                    error.request,
                    error.error.as_str(),
                    text,
                ),
            );
        }
        Message::Welcome(_) => {
            tracing::info!(session, %reason, "WELCOME not delivered; the session is aborted");
            let text = format!("the WELCOME message could not be delivered: {reason}");
            env.out.send(
                session,
                Message::Abort(Abort::new(Uri::from_trusted(reason.uri()), text)),
            );
            env.out.close(session);
        }
        other => match request_of(other) {
            Some((request_type, request)) => {
                tracing::info!(session, request, %reason, "{} not delivered; the session gets an ERROR instead", other.message_type().name());
                let text = format!(
                    "the {} reply could not be delivered: {reason}",
                    other.message_type().name()
                );
                env.out.send(
                    session,
                    error_reply(request_type, request, reason.uri(), text),
                );
            }
            None => tracing::warn!(
                session,
                %reason,
                "{} could not be delivered to the session; dropped",
                other.message_type().name()
            ),
        },
    }
}

fn interrupt(request: Id, reason: &str) -> Message {
    Message::Interrupt(Interrupt {
        request,
        options: InterruptOptions {
            mode: Some(CancelMode::KillNoWait),
            reason: Some(reason.to_owned()),
            ..Default::default()
        },
    })
}
