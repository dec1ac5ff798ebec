//! The sans-I/O client session state machine: which messages may arrive in
//! which phase, request IDs, and the table of requests waiting for an answer.
//!
//! It never touches a socket: the runtime feeds it every decoded message and
//! acts on what [`ClientCore::handle`] returns, so the rules are testable alone.

use std::collections::HashMap;

use crate::protocol::id::SessionIdGenerator;
use crate::protocol::{
    Abort, Challenge, Event, Goodbye, Hello, Id, Interrupt, Invocation, Message, MessageType,
    ResultMessage, Uri, Welcome,
};

/// Where a client session is in its life (the spec's state chart, client side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// No HELLO sent yet.
    Closed,
    /// HELLO sent, waiting for WELCOME, CHALLENGE or ABORT.
    Establishing,
    /// AUTHENTICATE sent, waiting for WELCOME, another CHALLENGE or ABORT.
    Authenticating,
    /// WELCOME received: the session is joined.
    Established,
    /// GOODBYE sent, waiting for the router's GOODBYE.
    ShuttingDown,
    /// The session ended (GOODBYE exchanged, ABORT, violation or transport loss).
    Ended,
}

/// A request waiting for its answer: it says which request type it was, so the
/// answer's type can be checked.
pub(crate) trait PendingRequest {
    /// The type of the request message (CALL, REGISTER, ...).
    fn request_type(&self) -> MessageType;
}

/// Why [`ClientCore::request`] refused a new request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The session is not joined (not yet, leaving, or ended).
    NotJoined,
    /// As many requests as allowed already wait for an answer (the limit).
    Full(usize),
}

/// The peer broke the protocol; the session must be aborted with
/// `wamp.error.protocol_violation` and this message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("protocol violation: {0}")]
pub(crate) struct Violation(pub String);

/// What an incoming message means for the runtime.
pub(crate) enum Incoming<P> {
    /// The router asks for authentication.
    Challenge(Challenge),
    /// The session is joined.
    Welcome(Welcome),
    /// The router refused or ended the session.
    Abort(Abort),
    /// The router closes the session (answer with GOODBYE), or answers ours.
    Goodbye {
        /// The router's GOODBYE.
        message: Goodbye,
        /// Whether it answers a GOODBYE we sent (no reply due).
        reply_to_ours: bool,
    },
    /// The final answer to a pending request, which is removed from the table.
    Reply {
        /// The request's entry.
        pending: P,
        /// The answer (RESULT, ERROR, REGISTERED, ...).
        message: Message,
    },
    /// A progressive RESULT; the request stays pending.
    Progress(ResultMessage),
    /// An answer to a request no longer pending (canceled or timed out locally).
    Stale(Message),
    /// A call for one of our registrations.
    Invocation(Invocation),
    /// The router cancels an invocation.
    Interrupt(Interrupt),
    /// An event for one of our subscriptions.
    Event(Event),
    /// A subscriber acknowledged one of our events (EVENT_RECEIVED).
    EventReceived(Id),
    /// The router revoked a registration.
    RegistrationRevoked {
        /// The registration.
        registration: Id,
        /// Why, if said.
        reason: Option<String>,
    },
    /// The router revoked a subscription.
    SubscriptionRevoked {
        /// The subscription.
        subscription: Id,
        /// Why, if said.
        reason: Option<String>,
    },
}

impl<P> Incoming<P> {
    /// A short name of what arrived, for logs and errors.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Incoming::Challenge(_) => "CHALLENGE",
            Incoming::Welcome(_) => "WELCOME",
            Incoming::Abort(_) => "ABORT",
            Incoming::Goodbye { .. } => "GOODBYE",
            Incoming::Reply { message, .. } | Incoming::Stale(message) => {
                message.message_type().name()
            }
            Incoming::Progress(_) => "RESULT",
            Incoming::Invocation(_) => "INVOCATION",
            Incoming::Interrupt(_) => "INTERRUPT",
            Incoming::Event(_) => "EVENT",
            Incoming::EventReceived(_) => "EVENT_RECEIVED",
            Incoming::RegistrationRevoked { .. } => "UNREGISTERED",
            Incoming::SubscriptionRevoked { .. } => "UNSUBSCRIBED",
        }
    }
}

/// The client session state machine, with `P` the runtime's record of a pending request.
#[derive(Debug)]
pub(crate) struct ClientCore<P> {
    phase: Phase,
    ids: SessionIdGenerator,
    pending: HashMap<Id, P>,
    max_pending: usize,
}

impl<P: PendingRequest> Default for ClientCore<P> {
    fn default() -> Self {
        Self::new()
    }
}

fn expected_reply(request: MessageType) -> MessageType {
    match request {
        MessageType::Call => MessageType::Result,
        MessageType::Register => MessageType::Registered,
        MessageType::Unregister => MessageType::Unregistered,
        MessageType::Subscribe => MessageType::Subscribed,
        MessageType::Unsubscribe => MessageType::Unsubscribed,
        MessageType::Publish => MessageType::Published,
        other => other,
    }
}

impl<P: PendingRequest> ClientCore<P> {
    /// A closed session.
    pub(crate) fn new() -> Self {
        ClientCore {
            phase: Phase::Closed,
            ids: SessionIdGenerator::default(),
            pending: HashMap::new(),
            max_pending: usize::MAX,
        }
    }

    /// Allows at most `max` requests waiting for an answer at once (at least 1).
    pub(crate) fn set_max_pending(&mut self, max: usize) {
        self.max_pending = max.max(1);
    }

    /// The current phase.
    #[cfg(test)]
    pub(crate) fn phase(&self) -> Phase {
        self.phase
    }

    /// Starts joining: returns the HELLO to send.
    pub(crate) fn hello(&mut self, hello: Hello) -> Result<Hello, Violation> {
        if self.phase != Phase::Closed {
            return Err(Violation("HELLO sent twice".into()));
        }
        self.phase = Phase::Establishing;
        Ok(hello)
    }

    /// Records that AUTHENTICATE was sent.
    pub(crate) fn authenticated(&mut self) {
        self.phase = Phase::Authenticating;
    }

    /// Starts leaving: returns the GOODBYE to send, or `None` when not joined.
    pub(crate) fn goodbye(&mut self, reason: Uri, message: Option<String>) -> Option<Goodbye> {
        if self.phase != Phase::Established {
            return None;
        }
        self.phase = Phase::ShuttingDown;
        let mut goodbye = Goodbye::new(reason);
        goodbye.details.message = message;
        Some(goodbye)
    }

    /// Records a new request and returns its ID (1, 2, 3, ... per session);
    /// refused when not joined or when the table is full.
    pub(crate) fn request(&mut self, pending: P) -> Result<Id, Refused> {
        if self.phase != Phase::Established {
            return Err(Refused::NotJoined);
        }
        if self.pending.len() >= self.max_pending {
            return Err(Refused::Full(self.max_pending));
        }
        let id = self.ids.next_id();
        self.pending.insert(id, pending);
        Ok(id)
    }

    /// Allocates a request ID for a request that expects no answer
    /// (an unacknowledged PUBLISH).
    pub(crate) fn request_untracked(&mut self) -> Option<Id> {
        (self.phase == Phase::Established).then(|| self.ids.next_id())
    }

    /// The pending entry of a request, if it still waits.
    pub(crate) fn pending_mut(&mut self, request: Id) -> Option<&mut P> {
        self.pending.get_mut(&request)
    }

    /// Forgets a request (canceled or timed out locally); a late answer is then [`Incoming::Stale`].
    pub(crate) fn forget(&mut self, request: Id) -> Option<P> {
        self.pending.remove(&request)
    }

    /// Number of requests waiting.
    #[cfg(test)]
    pub(crate) fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Ends the session and hands back every pending request, to fail them.
    pub(crate) fn end(&mut self) -> Vec<P> {
        self.phase = Phase::Ended;
        self.pending.drain().map(|(_, p)| p).collect()
    }

    fn joining(&self) -> bool {
        matches!(self.phase, Phase::Establishing | Phase::Authenticating)
    }

    fn joined(&self) -> bool {
        matches!(self.phase, Phase::Established | Phase::ShuttingDown)
    }

    fn violation<T>(&self, what: &str) -> Result<T, Violation> {
        Err(Violation(format!("{what} in phase {:?}", self.phase)))
    }

    /// Classifies an incoming message, checking that it may arrive now.
    pub(crate) fn handle(&mut self, message: Message) -> Result<Incoming<P>, Violation> {
        match message {
            Message::Welcome(w) if self.joining() => {
                self.phase = Phase::Established;
                Ok(Incoming::Welcome(w))
            }
            Message::Challenge(c) if self.joining() => Ok(Incoming::Challenge(c)),
            Message::Abort(a) => {
                self.phase = Phase::Ended;
                Ok(Incoming::Abort(a))
            }
            Message::Goodbye(g) if self.joined() => {
                let reply_to_ours = self.phase == Phase::ShuttingDown;
                self.phase = Phase::Ended;
                Ok(Incoming::Goodbye {
                    message: g,
                    reply_to_ours,
                })
            }
            Message::Result(r) if self.joined() && r.details.progress == Some(true) => {
                match self.pending.get(&r.request) {
                    Some(p) if p.request_type() == MessageType::Call => Ok(Incoming::Progress(r)),
                    Some(_) => Err(Violation(format!(
                        "RESULT for request {} which is not a CALL",
                        r.request
                    ))),
                    None => self.stale(Message::Result(r)),
                }
            }
            Message::Unregistered(u) if self.joined() && u.request == 0 => {
                let details = u.details.unwrap_or_default();
                match details.registration {
                    Some(registration) => Ok(Incoming::RegistrationRevoked {
                        registration,
                        reason: details.reason,
                    }),
                    None => Err(Violation(
                        "UNREGISTERED revocation without registration".into(),
                    )),
                }
            }
            Message::Unsubscribed(u) if self.joined() && u.request == 0 => {
                let details = u.details.unwrap_or_default();
                match details.subscription {
                    Some(subscription) => Ok(Incoming::SubscriptionRevoked {
                        subscription,
                        reason: details.reason,
                    }),
                    None => Err(Violation(
                        "UNSUBSCRIBED revocation without subscription".into(),
                    )),
                }
            }
            m @ (Message::Result(_)
            | Message::Registered(_)
            | Message::Unregistered(_)
            | Message::Subscribed(_)
            | Message::Unsubscribed(_)
            | Message::Published(_)
            | Message::Error(_))
                if self.joined() =>
            {
                self.reply(m)
            }
            Message::Invocation(i) if self.joined() => Ok(Incoming::Invocation(i)),
            Message::Interrupt(i) if self.joined() => Ok(Incoming::Interrupt(i)),
            Message::Event(e) if self.joined() => Ok(Incoming::Event(e)),
            Message::EventReceived(r) if self.joined() => {
                Ok(Incoming::EventReceived(r.publication))
            }
            other => self.violation(other.message_type().name()),
        }
    }

    fn stale(&self, message: Message) -> Result<Incoming<P>, Violation> {
        let request = request_of(&message).unwrap_or(0);
        if request == 0 || request > self.ids.last() {
            return Err(Violation(format!(
                "{} for request {request}, which was never sent",
                message.message_type().name()
            )));
        }
        Ok(Incoming::Stale(message))
    }

    fn reply(&mut self, message: Message) -> Result<Incoming<P>, Violation> {
        let request = request_of(&message).unwrap_or(0);
        let Some(pending) = self.pending.get(&request) else {
            return self.stale(message);
        };
        let request_type = pending.request_type();
        let ok = match &message {
            Message::Error(e) => e.request_type == request_type,
            m => m.message_type() == expected_reply(request_type),
        };
        if !ok {
            return Err(Violation(format!(
                "{} does not answer the {} of request {request}",
                message.message_type().name(),
                request_type.name()
            )));
        }
        let pending = self
            .pending
            .remove(&request)
            .unwrap_or_else(|| unreachable!());
        Ok(Incoming::Reply { pending, message })
    }
}

/// The request ID an answer refers to.
fn request_of(message: &Message) -> Option<Id> {
    Some(match message {
        Message::Result(m) => m.request,
        Message::Registered(m) => m.request,
        Message::Unregistered(m) => m.request,
        Message::Subscribed(m) => m.request,
        Message::Unsubscribed(m) => m.request,
        Message::Published(m) => m.request,
        Message::Error(m) => m.request,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::options::{HelloDetails, ResultDetails, WelcomeDetails};
    use crate::protocol::{ErrorMessage, Payload, Registered};

    #[derive(Debug, PartialEq)]
    struct P(MessageType);
    impl PendingRequest for P {
        fn request_type(&self) -> MessageType {
            self.0
        }
    }

    fn joined() -> ClientCore<P> {
        let mut core = ClientCore::new();
        core.hello(Hello {
            realm: Uri::from_trusted("realm1"),
            details: HelloDetails::default(),
        })
        .unwrap();
        let welcome = Message::Welcome(Welcome {
            session: 7,
            details: WelcomeDetails::default(),
        });
        assert!(matches!(core.handle(welcome), Ok(Incoming::Welcome(_))));
        core
    }

    fn result(request: Id, progress: bool) -> Message {
        Message::Result(ResultMessage {
            request,
            details: ResultDetails {
                progress: progress.then_some(true),
                ..ResultDetails::default()
            },
            payload: Payload::empty(),
        })
    }

    #[test]
    fn messages_before_welcome_are_violations() {
        let mut core: ClientCore<P> = ClientCore::new();
        core.hello(Hello {
            realm: Uri::from_trusted("realm1"),
            details: HelloDetails::default(),
        })
        .unwrap();
        assert_eq!(core.request(P(MessageType::Call)), Err(Refused::NotJoined));
        assert!(core.handle(result(1, false)).is_err());
        let goodbye = Message::Goodbye(Goodbye::new(Uri::from_trusted("wamp.close.normal")));
        assert!(core.handle(goodbye).is_err());
    }

    #[test]
    fn request_ids_are_sequential_and_replies_matched() {
        let mut core = joined();
        assert_eq!(core.request(P(MessageType::Call)), Ok(1));
        assert_eq!(core.request(P(MessageType::Register)), Ok(2));
        assert!(matches!(
            core.handle(result(1, true)),
            Ok(Incoming::Progress(_))
        ));
        assert_eq!(core.pending_len(), 2);
        // A REGISTERED for the CALL is a violation.
        let wrong = Message::Registered(Registered {
            request: 1,
            registration: 5,
        });
        assert!(core.handle(wrong).is_err());
        match core.handle(result(1, false)) {
            Ok(Incoming::Reply { pending, .. }) => assert_eq!(pending, P(MessageType::Call)),
            other => panic!("unexpected {:?}", other.map(|i| i.kind())),
        }
        // The same answer again is stale, not a violation; an unknown ID is.
        assert!(matches!(
            core.handle(result(1, false)),
            Ok(Incoming::Stale(_))
        ));
        assert!(core.handle(result(99, false)).is_err());
        let err = Message::Error(ErrorMessage {
            request_type: MessageType::Call,
            request: 2,
            details: Default::default(),
            error: Uri::from_trusted("wamp.error.x"),
            payload: Payload::empty(),
        });
        assert!(core.handle(err).is_err(), "ERROR type must match REGISTER");
    }

    #[test]
    fn welcome_after_join_is_a_violation_and_end_drains() {
        let mut core = joined();
        core.request(P(MessageType::Publish)).unwrap();
        let welcome = Message::Welcome(Welcome {
            session: 8,
            details: WelcomeDetails::default(),
        });
        assert!(core.handle(welcome).is_err());
        assert_eq!(core.end().len(), 1);
        assert_eq!(core.phase(), Phase::Ended);
    }

    #[test]
    fn the_request_table_is_bounded() {
        let mut core = joined();
        core.set_max_pending(2);
        assert_eq!(core.request(P(MessageType::Call)), Ok(1));
        assert_eq!(core.request(P(MessageType::Subscribe)), Ok(2));
        assert_eq!(core.request(P(MessageType::Call)), Err(Refused::Full(2)));
        // A refused request takes no ID; an answered one frees its place.
        assert!(matches!(
            core.handle(result(1, false)),
            Ok(Incoming::Reply { .. })
        ));
        assert_eq!(core.request(P(MessageType::Call)), Ok(3));
        // Untracked requests (unacknowledged PUBLISH) are not counted.
        assert_eq!(core.request_untracked(), Some(4));
    }

    #[test]
    fn goodbye_handshake() {
        let mut core = joined();
        assert!(
            core.goodbye(Uri::from_trusted("wamp.close.normal"), None)
                .is_some()
        );
        assert_eq!(core.phase(), Phase::ShuttingDown);
        let bye = Message::Goodbye(Goodbye::new(Uri::from_trusted(
            "wamp.close.goodbye_and_out",
        )));
        assert!(matches!(
            core.handle(bye),
            Ok(Incoming::Goodbye {
                reply_to_ours: true,
                ..
            })
        ));
    }
}
