//! The 25 WAMP messages as typed values.

use super::id::Id;
use super::options::*;
use super::payload::Payload;
use super::uri::Uri;

/// The type code of a message, the first element on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum MessageType {
    /// `HELLO` (1).
    Hello = 1,
    /// `WELCOME` (2).
    Welcome = 2,
    /// `ABORT` (3).
    Abort = 3,
    /// `CHALLENGE` (4).
    Challenge = 4,
    /// `AUTHENTICATE` (5).
    Authenticate = 5,
    /// `GOODBYE` (6).
    Goodbye = 6,
    /// `ERROR` (8).
    Error = 8,
    /// `PUBLISH` (16).
    Publish = 16,
    /// `PUBLISHED` (17).
    Published = 17,
    /// `SUBSCRIBE` (32).
    Subscribe = 32,
    /// `SUBSCRIBED` (33).
    Subscribed = 33,
    /// `UNSUBSCRIBE` (34).
    Unsubscribe = 34,
    /// `UNSUBSCRIBED` (35).
    Unsubscribed = 35,
    /// `EVENT` (36).
    Event = 36,
    /// `CALL` (48).
    Call = 48,
    /// `CANCEL` (49).
    Cancel = 49,
    /// `RESULT` (50).
    Result = 50,
    /// `REGISTER` (64).
    Register = 64,
    /// `REGISTERED` (65).
    Registered = 65,
    /// `UNREGISTER` (66).
    Unregister = 66,
    /// `UNREGISTERED` (67).
    Unregistered = 67,
    /// `INVOCATION` (68).
    Invocation = 68,
    /// `INTERRUPT` (69).
    Interrupt = 69,
    /// `YIELD` (70).
    Yield = 70,
    /// `EVENT_RECEIVED` (337, Autobahn/Crossbar extension).
    EventReceived = 337,
}

impl MessageType {
    /// Every message type.
    pub const ALL: [MessageType; 25] = [
        Self::Hello,
        Self::Welcome,
        Self::Abort,
        Self::Challenge,
        Self::Authenticate,
        Self::Goodbye,
        Self::Error,
        Self::Publish,
        Self::Published,
        Self::Subscribe,
        Self::Subscribed,
        Self::Unsubscribe,
        Self::Unsubscribed,
        Self::Event,
        Self::Call,
        Self::Cancel,
        Self::Result,
        Self::Register,
        Self::Registered,
        Self::Unregister,
        Self::Unregistered,
        Self::Invocation,
        Self::Interrupt,
        Self::Yield,
        Self::EventReceived,
    ];

    /// The numeric code.
    pub const fn code(self) -> u64 {
        self as u64
    }

    /// Looks up a message type by code.
    pub fn from_code(code: u64) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    /// The upper-case name, e.g. `CALL`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Hello => "HELLO",
            Self::Welcome => "WELCOME",
            Self::Abort => "ABORT",
            Self::Challenge => "CHALLENGE",
            Self::Authenticate => "AUTHENTICATE",
            Self::Goodbye => "GOODBYE",
            Self::Error => "ERROR",
            Self::Publish => "PUBLISH",
            Self::Published => "PUBLISHED",
            Self::Subscribe => "SUBSCRIBE",
            Self::Subscribed => "SUBSCRIBED",
            Self::Unsubscribe => "UNSUBSCRIBE",
            Self::Unsubscribed => "UNSUBSCRIBED",
            Self::Event => "EVENT",
            Self::Call => "CALL",
            Self::Cancel => "CANCEL",
            Self::Result => "RESULT",
            Self::Register => "REGISTER",
            Self::Registered => "REGISTERED",
            Self::Unregister => "UNREGISTER",
            Self::Unregistered => "UNREGISTERED",
            Self::Invocation => "INVOCATION",
            Self::Interrupt => "INTERRUPT",
            Self::Yield => "YIELD",
            Self::EventReceived => "EVENT_RECEIVED",
        }
    }

    /// Whether an `ERROR` may answer a request of this type.
    pub const fn can_fail(self) -> bool {
        matches!(
            self,
            Self::Subscribe
                | Self::Unsubscribe
                | Self::Publish
                | Self::Register
                | Self::Unregister
                | Self::Call
                | Self::Invocation
        )
    }
}

/// `[HELLO, Realm|uri, Details|dict]`: a client asks to join a realm.
#[derive(Debug, Clone, PartialEq)]
pub struct Hello {
    /// The realm to join.
    pub realm: Uri,
    /// Roles, features and authentication offers.
    pub details: HelloDetails,
}

/// `[WELCOME, Session|id, Details|dict]`: the router accepts a client.
#[derive(Debug, Clone, PartialEq)]
pub struct Welcome {
    /// The session ID.
    pub session: Id,
    /// Router roles and the authentication outcome.
    pub details: WelcomeDetails,
}

/// `[ABORT, Details|dict, Reason|uri, Arguments|list, ArgumentsKw|dict]`: a
/// session is refused or torn down without a GOODBYE exchange.
#[derive(Debug, Clone, PartialEq)]
pub struct Abort {
    /// Details, e.g. a `message`.
    pub details: CloseDetails,
    /// The reason URI.
    pub reason: Uri,
    /// Optional arguments.
    pub payload: Payload,
}

/// `[CHALLENGE, AuthMethod|string, Extra|dict]`: the router asks for proof.
#[derive(Debug, Clone, PartialEq)]
pub struct Challenge {
    /// The authentication method being used.
    pub authmethod: String,
    /// Method-specific challenge data.
    pub extra: ChallengeExtra,
}

/// `[AUTHENTICATE, Signature|string, Extra|dict]`: the client's proof.
#[derive(Debug, Clone, PartialEq)]
pub struct Authenticate {
    /// The signature, ticket or proof.
    pub signature: String,
    /// Method-specific extra data.
    pub extra: AuthenticateExtra,
}

/// `[GOODBYE, Details|dict, Reason|uri]`: a peer leaves; the other echoes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Goodbye {
    /// Details, e.g. a `message`.
    pub details: CloseDetails,
    /// The reason URI.
    pub reason: Uri,
}

/// `[ERROR, REQUEST.Type|int, REQUEST.Request|id, Details|dict, Error|uri, Arguments, ArgumentsKw]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorMessage {
    /// Type of the failed request.
    pub request_type: MessageType,
    /// ID of the failed request.
    pub request: Id,
    /// Details.
    pub details: ErrorDetails,
    /// The error URI.
    pub error: Uri,
    /// Error arguments.
    pub payload: Payload,
}

/// `[PUBLISH, Request|id, Options|dict, Topic|uri, Arguments, ArgumentsKw]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Publish {
    /// Request ID.
    pub request: Id,
    /// Options.
    pub options: WirePublishOptions,
    /// The topic.
    pub topic: Uri,
    /// Event payload.
    pub payload: Payload,
}

/// `[PUBLISHED, PUBLISH.Request|id, Publication|id]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    /// ID of the PUBLISH.
    pub request: Id,
    /// ID of the publication.
    pub publication: Id,
}

/// `[SUBSCRIBE, Request|id, Options|dict, Topic|uri]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscribe {
    /// Request ID.
    pub request: Id,
    /// Options.
    pub options: WireSubscribeOptions,
    /// The topic or topic pattern.
    pub topic: Uri,
}

/// `[SUBSCRIBED, SUBSCRIBE.Request|id, Subscription|id]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subscribed {
    /// ID of the SUBSCRIBE.
    pub request: Id,
    /// ID of the subscription.
    pub subscription: Id,
}

/// `[UNSUBSCRIBE, Request|id, SUBSCRIBED.Subscription|id]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsubscribe {
    /// Request ID.
    pub request: Id,
    /// The subscription to end.
    pub subscription: Id,
}

/// `[UNSUBSCRIBED, UNSUBSCRIBE.Request|id]`, or the revocation form
/// `[UNSUBSCRIBED, 0, Details|dict]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Unsubscribed {
    /// ID of the UNSUBSCRIBE (0 for a revocation).
    pub request: Id,
    /// Revocation details.
    pub details: Option<UnsubscribedDetails>,
}

/// `[EVENT, SUBSCRIBED.Subscription|id, PUBLISHED.Publication|id, Details|dict, Arguments, ArgumentsKw]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The subscription it is delivered for.
    pub subscription: Id,
    /// The publication.
    pub publication: Id,
    /// Details.
    pub details: WireEventDetails,
    /// Event payload.
    pub payload: Payload,
}

/// `[CALL, Request|id, Options|dict, Procedure|uri, Arguments, ArgumentsKw]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// Request ID.
    pub request: Id,
    /// Options.
    pub options: WireCallOptions,
    /// The procedure.
    pub procedure: Uri,
    /// Call arguments.
    pub payload: Payload,
}

/// `[CANCEL, CALL.Request|id, Options|dict]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cancel {
    /// ID of the CALL.
    pub request: Id,
    /// Options (the mode).
    pub options: CancelOptions,
}

/// `[RESULT, CALL.Request|id, Details|dict, YIELD.Arguments, YIELD.ArgumentsKw]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultMessage {
    /// ID of the CALL.
    pub request: Id,
    /// Details.
    pub details: ResultDetails,
    /// Result payload.
    pub payload: Payload,
}

/// `[REGISTER, Request|id, Options|dict, Procedure|uri]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Register {
    /// Request ID.
    pub request: Id,
    /// Options.
    pub options: WireRegisterOptions,
    /// The procedure or procedure pattern.
    pub procedure: Uri,
}

/// `[REGISTERED, REGISTER.Request|id, Registration|id]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registered {
    /// ID of the REGISTER.
    pub request: Id,
    /// ID of the registration.
    pub registration: Id,
}

/// `[UNREGISTER, Request|id, REGISTERED.Registration|id]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unregister {
    /// Request ID.
    pub request: Id,
    /// The registration to end.
    pub registration: Id,
}

/// `[UNREGISTERED, UNREGISTER.Request|id]`, or the revocation form
/// `[UNREGISTERED, 0, Details|dict]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Unregistered {
    /// ID of the UNREGISTER (0 for a revocation).
    pub request: Id,
    /// Revocation details.
    pub details: Option<UnregisteredDetails>,
}

/// `[INVOCATION, Request|id, REGISTERED.Registration|id, Details|dict, CALL.Arguments, CALL.ArgumentsKw]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// Request ID (router to callee scope).
    pub request: Id,
    /// The registration invoked.
    pub registration: Id,
    /// Details.
    pub details: InvocationDetails,
    /// Call arguments.
    pub payload: Payload,
}

/// `[INTERRUPT, INVOCATION.Request|id, Options|dict]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Interrupt {
    /// ID of the INVOCATION.
    pub request: Id,
    /// Options.
    pub options: InterruptOptions,
}

/// `[YIELD, INVOCATION.Request|id, Options|dict, Arguments, ArgumentsKw]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Yield {
    /// ID of the INVOCATION.
    pub request: Id,
    /// Options.
    pub options: YieldOptions,
    /// Result payload.
    pub payload: Payload,
}

/// `[EVENT_RECEIVED, EVENT.Publication|id]`: a subscriber acknowledges an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventReceived {
    /// The publication acknowledged.
    pub publication: Id,
}

/// Any WAMP message.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum Message {
    Hello(Hello),
    Welcome(Welcome),
    Abort(Abort),
    Challenge(Challenge),
    Authenticate(Authenticate),
    Goodbye(Goodbye),
    Error(ErrorMessage),
    Publish(Publish),
    Published(Published),
    Subscribe(Subscribe),
    Subscribed(Subscribed),
    Unsubscribe(Unsubscribe),
    Unsubscribed(Unsubscribed),
    Event(Event),
    Call(Call),
    Cancel(Cancel),
    Result(ResultMessage),
    Register(Register),
    Registered(Registered),
    Unregister(Unregister),
    Unregistered(Unregistered),
    Invocation(Invocation),
    Interrupt(Interrupt),
    Yield(Yield),
    EventReceived(EventReceived),
}

impl Message {
    /// The message's type.
    pub fn message_type(&self) -> MessageType {
        match self {
            Message::Hello(_) => MessageType::Hello,
            Message::Welcome(_) => MessageType::Welcome,
            Message::Abort(_) => MessageType::Abort,
            Message::Challenge(_) => MessageType::Challenge,
            Message::Authenticate(_) => MessageType::Authenticate,
            Message::Goodbye(_) => MessageType::Goodbye,
            Message::Error(_) => MessageType::Error,
            Message::Publish(_) => MessageType::Publish,
            Message::Published(_) => MessageType::Published,
            Message::Subscribe(_) => MessageType::Subscribe,
            Message::Subscribed(_) => MessageType::Subscribed,
            Message::Unsubscribe(_) => MessageType::Unsubscribe,
            Message::Unsubscribed(_) => MessageType::Unsubscribed,
            Message::Event(_) => MessageType::Event,
            Message::Call(_) => MessageType::Call,
            Message::Cancel(_) => MessageType::Cancel,
            Message::Result(_) => MessageType::Result,
            Message::Register(_) => MessageType::Register,
            Message::Registered(_) => MessageType::Registered,
            Message::Unregister(_) => MessageType::Unregister,
            Message::Unregistered(_) => MessageType::Unregistered,
            Message::Invocation(_) => MessageType::Invocation,
            Message::Interrupt(_) => MessageType::Interrupt,
            Message::Yield(_) => MessageType::Yield,
            Message::EventReceived(_) => MessageType::EventReceived,
        }
    }

    /// The application payload, for the messages that carry one.
    pub fn payload(&self) -> Option<&Payload> {
        match self {
            Message::Abort(m) => Some(&m.payload),
            Message::Error(m) => Some(&m.payload),
            Message::Publish(m) => Some(&m.payload),
            Message::Event(m) => Some(&m.payload),
            Message::Call(m) => Some(&m.payload),
            Message::Result(m) => Some(&m.payload),
            Message::Invocation(m) => Some(&m.payload),
            Message::Yield(m) => Some(&m.payload),
            _ => None,
        }
    }
}

impl Call {
    /// A CALL with default options.
    pub fn new(request: Id, procedure: Uri, payload: Payload) -> Self {
        Call {
            request,
            options: WireCallOptions::default(),
            procedure,
            payload,
        }
    }
}

impl Publish {
    /// A PUBLISH with default options.
    pub fn new(request: Id, topic: Uri, payload: Payload) -> Self {
        Publish {
            request,
            options: WirePublishOptions::default(),
            topic,
            payload,
        }
    }
}

impl Subscribe {
    /// A SUBSCRIBE with default options.
    pub fn new(request: Id, topic: Uri) -> Self {
        Subscribe {
            request,
            options: WireSubscribeOptions::default(),
            topic,
        }
    }
}

impl Register {
    /// A REGISTER with default options.
    pub fn new(request: Id, procedure: Uri) -> Self {
        Register {
            request,
            options: WireRegisterOptions::default(),
            procedure,
        }
    }
}

impl Goodbye {
    /// A GOODBYE with a reason and no message.
    pub fn new(reason: Uri) -> Self {
        Goodbye {
            details: CloseDetails::default(),
            reason,
        }
    }
}

impl Abort {
    /// An ABORT with a reason and a human-readable message.
    pub fn new(reason: Uri, message: impl Into<String>) -> Self {
        Abort {
            details: CloseDetails {
                message: Some(message.into()),
                ..CloseDetails::default()
            },
            reason,
            payload: Payload::empty(),
        }
    }
}
