//! A driver for [`RealmCore`] in tests: sessions join with chosen roles, send
//! messages, leave; time is advanced by hand; what the core sends lands in
//! per-session inboxes.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use crate::protocol::id::Id;
use crate::protocol::options::{
    WireCallOptions, WirePublishOptions, WireRegisterOptions, WireSubscribeOptions,
};
use crate::protocol::roles::{Role, RoleDetails, Roles, feature};
use crate::protocol::{
    Call, Dict, ErrorMessage, Event, Interrupt, Invocation, Message, MessageType, Payload, Publish,
    Register, ResultMessage, Subscribe, Uri, Value,
};
use crate::router::config::RealmConfig;
use crate::router::identity::Identity;
use crate::router::limits::Limits;
use crate::serializer::SerializerKind;
use crate::transport::TransportKind;

use super::super::{JoinRefused, Joining, NotRoutable, Outgoing, Output, RealmCore};

/// Client roles with every feature the core acts on.
pub(crate) fn full_roles() -> Roles {
    Roles::default()
        .with(
            Role::Caller,
            RoleDetails::with_features([
                feature::PROGRESSIVE_CALL_RESULTS,
                feature::CALL_CANCELING,
            ]),
        )
        .with(
            Role::Callee,
            RoleDetails::with_features([
                feature::PROGRESSIVE_CALL_RESULTS,
                feature::CALL_CANCELING,
                feature::PROGRESSIVE_CALL_INVOCATIONS,
                feature::REGISTRATION_REVOCATION,
            ]),
        )
        .with(Role::Publisher, RoleDetails::default())
        .with(
            Role::Subscriber,
            RoleDetails::with_features([feature::SUBSCRIPTION_REVOCATION]),
        )
}

/// Client roles announcing no feature at all.
pub(crate) fn bare_roles() -> Roles {
    Roles::default()
        .with(Role::Caller, RoleDetails::default())
        .with(Role::Callee, RoleDetails::default())
        .with(Role::Publisher, RoleDetails::default())
        .with(Role::Subscriber, RoleDetails::default())
}

/// A URI (or URI pattern) from a literal.
pub(crate) fn uri(s: &str) -> Uri {
    Uri::from_trusted(s)
}

/// Positional arguments as a payload.
pub(crate) fn args<T: serde::Serialize>(a: &T) -> Payload {
    Payload::from_args(a).expect("encodable")
}

/// A realm core with its sessions' inboxes and an injected clock.
pub(crate) struct Harness {
    /// The core under test.
    pub(crate) core: RealmCore,
    /// The injected current time.
    pub(crate) now: Instant,
    /// What each session received, oldest first.
    pub(crate) inbox: HashMap<Id, VecDeque<Message>>,
    /// Sessions the core asked to close.
    pub(crate) closed: HashSet<Id>,
    /// The last request ID the helpers used.
    next_request: Id,
}

impl Harness {
    /// An open realm `realm1` with a fixed seed.
    pub(crate) fn open() -> Self {
        Self::with_config(RealmConfig::open("realm1"), 1)
    }

    /// A realm as configured, seeded, with the default limits.
    pub(crate) fn with_config(config: RealmConfig, seed: u64) -> Self {
        Self::with_limits(config, Limits::default(), seed)
    }

    /// A realm as configured, seeded, under `limits`.
    pub(crate) fn with_limits(config: RealmConfig, limits: Limits, seed: u64) -> Self {
        Harness {
            core: RealmCore::seeded(&config, &limits, seed),
            now: Instant::now(),
            inbox: HashMap::new(),
            closed: HashSet::new(),
            next_request: 0,
        }
    }

    /// Delivers an output into the inboxes.
    pub(crate) fn absorb(&mut self, out: Output) {
        for item in out.items {
            match item {
                Outgoing::Send(id, m) => self.inbox.entry(id).or_default().push_back(m),
                Outgoing::Fanout(ids, m) => {
                    for id in ids {
                        self.inbox.entry(id).or_default().push_back(m.clone());
                    }
                }
                Outgoing::Close(id) => {
                    self.closed.insert(id);
                }
            }
        }
    }

    /// A session joins with `authid`, `authrole` and `roles`.
    #[track_caller]
    pub(crate) fn join_as(&mut self, authid: &str, authrole: &str, roles: Roles) -> Id {
        self.try_join_as(authid, authrole, roles)
            .unwrap_or_else(|refused| panic!("join refused: {refused:?}"))
    }

    /// A session tries to join with `authid`, `authrole` and `roles`.
    pub(crate) fn try_join_as(
        &mut self,
        authid: &str,
        authrole: &str,
        roles: Roles,
    ) -> Result<Id, JoinRefused> {
        let joining = Joining {
            identity: Identity {
                authid: authid.into(),
                authrole: authrole.into(),
                authmethod: "anonymous".into(),
                authprovider: "static".into(),
                ..Default::default()
            },
            serializer: SerializerKind::Json,
            roles,
            transport: TransportKind::Memory,
            peer: None,
        };
        let id = self.core.new_session_id();
        let (id, out) = self.core.join(id, joining)?;
        self.inbox.entry(id).or_default();
        self.absorb(out);
        Ok(id)
    }

    /// A session with every feature joins.
    pub(crate) fn join(&mut self) -> Id {
        self.join_as("someone", "anonymous", full_roles())
    }

    /// A session sends a message; the output goes into the inboxes.
    pub(crate) fn send(&mut self, from: Id, msg: Message) -> Result<(), NotRoutable> {
        let out = self.core.handle(from, msg, self.now)?;
        self.absorb(out);
        Ok(())
    }

    /// Like [`Harness::send`], for messages that must be routable.
    pub(crate) fn route(&mut self, from: Id, msg: Message) {
        self.send(from, msg).expect("routable message");
    }

    /// A session leaves.
    pub(crate) fn leave(&mut self, id: Id) {
        let out = self.core.leave(id, self.now);
        self.absorb(out);
        self.inbox.remove(&id);
    }

    /// Time passes; due timeouts fire.
    pub(crate) fn advance(&mut self, by: Duration) {
        self.now += by;
        let out = self.core.expire(self.now);
        self.absorb(out);
    }

    /// Takes everything a session received.
    pub(crate) fn take(&mut self, id: Id) -> Vec<Message> {
        self.inbox
            .get_mut(&id)
            .map(|q| q.drain(..).collect())
            .unwrap_or_default()
    }

    /// Takes the one message a session received; panics otherwise.
    #[track_caller]
    pub(crate) fn one(&mut self, id: Id) -> Message {
        let got = self.take(id);
        assert_eq!(
            got.len(),
            1,
            "expected one message for session {id}, got {got:#?}"
        );
        got.into_iter().next().expect("one message")
    }

    /// Asserts a session received nothing.
    #[track_caller]
    pub(crate) fn nothing(&mut self, id: Id) {
        let got = self.take(id);
        assert!(
            got.is_empty(),
            "expected nothing for session {id}, got {got:#?}"
        );
    }

    /// A fresh request ID (1000, 1001, ...: apart from the small IDs tests
    /// pick by hand).
    pub(crate) fn request(&mut self) -> Id {
        self.next_request += 1;
        999 + self.next_request
    }

    /// A session sends REGISTER; returns the one reply.
    #[track_caller]
    pub(crate) fn try_register(
        &mut self,
        callee: Id,
        procedure: &str,
        options: WireRegisterOptions,
    ) -> Message {
        let request = self.request();
        self.route(
            callee,
            Message::Register(Register {
                request,
                options,
                procedure: Uri::from_trusted(procedure),
            }),
        );
        self.one(callee)
    }

    /// A session registers; returns the registration ID.
    #[track_caller]
    pub(crate) fn register(
        &mut self,
        callee: Id,
        procedure: &str,
        options: WireRegisterOptions,
    ) -> Id {
        match self.try_register(callee, procedure, options) {
            Message::Registered(r) => r.registration,
            other => panic!("expected REGISTERED for <{procedure}>, got {other:#?}"),
        }
    }

    /// A session sends SUBSCRIBE; returns everything it received.
    pub(crate) fn try_subscribe(
        &mut self,
        subscriber: Id,
        topic: &str,
        options: WireSubscribeOptions,
    ) -> Vec<Message> {
        let request = self.request();
        self.route(
            subscriber,
            Message::Subscribe(Subscribe {
                request,
                options,
                topic: Uri::from_trusted(topic),
            }),
        );
        self.take(subscriber)
    }

    /// A session subscribes; returns the subscription ID (and asserts it got
    /// nothing else).
    #[track_caller]
    pub(crate) fn subscribe(
        &mut self,
        subscriber: Id,
        topic: &str,
        options: WireSubscribeOptions,
    ) -> Id {
        let got = self.try_subscribe(subscriber, topic, options);
        match got.as_slice() {
            [Message::Subscribed(s)] => s.subscription,
            other => panic!("expected SUBSCRIBED for <{topic}>, got {other:#?}"),
        }
    }

    /// A session sends CALL.
    pub(crate) fn call(
        &mut self,
        caller: Id,
        request: Id,
        procedure: &str,
        options: WireCallOptions,
        payload: Payload,
    ) {
        self.route(
            caller,
            Message::Call(Call {
                request,
                options,
                procedure: Uri::from_trusted(procedure),
                payload,
            }),
        );
    }

    /// A session sends PUBLISH.
    pub(crate) fn publish(
        &mut self,
        publisher: Id,
        request: Id,
        topic: &str,
        options: WirePublishOptions,
        payload: Payload,
    ) {
        self.route(
            publisher,
            Message::Publish(Publish {
                request,
                options,
                topic: Uri::from_trusted(topic),
                payload,
            }),
        );
    }

    /// A session calls a meta procedure; the positional results, or the
    /// error URI and message. Other messages the caller received stay in its
    /// inbox.
    #[track_caller]
    pub(crate) fn meta(
        &mut self,
        caller: Id,
        procedure: &str,
        args: Vec<Value>,
        kwargs: Dict,
    ) -> Result<Vec<Value>, (String, String)> {
        let request = self.request();
        self.call(
            caller,
            request,
            procedure,
            WireCallOptions::default(),
            Payload::from_values(args, kwargs),
        );
        let inbox = self.inbox.entry(caller).or_default();
        let at = inbox
            .iter()
            .position(|m| match m {
                Message::Result(r) => r.request == request,
                Message::Error(e) => e.request_type == MessageType::Call && e.request == request,
                _ => false,
            })
            .unwrap_or_else(|| panic!("no answer to <{procedure}> in {inbox:#?}"));
        match inbox.remove(at).expect("present") {
            Message::Result(r) => Ok(r.payload.args_values().expect("readable results")),
            Message::Error(e) => {
                let text = e
                    .payload
                    .args_values()
                    .ok()
                    .and_then(|a| a.first().and_then(Value::as_str).map(str::to_owned))
                    .unwrap_or_default();
                Err((e.error.as_str().to_owned(), text))
            }
            _ => unreachable!(),
        }
    }

    /// Like [`Harness::meta`] for a call that must succeed.
    #[track_caller]
    pub(crate) fn meta_ok(&mut self, caller: Id, procedure: &str, args: Vec<Value>) -> Vec<Value> {
        match self.meta(caller, procedure, args, Dict::new()) {
            Ok(results) => results,
            Err(e) => panic!("<{procedure}> failed: {e:?}"),
        }
    }

    /// Like [`Harness::meta`] for a call that must fail; the error URI.
    #[track_caller]
    pub(crate) fn meta_err(&mut self, caller: Id, procedure: &str, args: Vec<Value>) -> String {
        match self.meta(caller, procedure, args, Dict::new()) {
            Ok(results) => panic!("<{procedure}> answered {results:?}, expected an error"),
            Err((uri, _)) => uri,
        }
    }
}

macro_rules! expect_message {
    ($($name:ident: $variant:ident => $ty:ty),* $(,)?) => {$(
        /// The message as this type; panics otherwise.
        #[track_caller]
        pub(crate) fn $name(m: Message) -> $ty {
            match m {
                Message::$variant(x) => x,
                other => panic!(concat!("expected ", stringify!($variant), ", got {:#?}"), other),
            }
        }
    )*};
}

expect_message! {
    invocation: Invocation => Invocation,
    result: Result => ResultMessage,
    error: Error => ErrorMessage,
    event: Event => Event,
    interrupt: Interrupt => Interrupt,
}

/// Asserts `m` is an ERROR answering request `request` of type `request_type`
/// with error `uri`.
#[track_caller]
pub(crate) fn assert_error(m: Message, request_type: MessageType, request: Id, uri: &str) {
    let e = error(m);
    assert_eq!(
        (e.request_type, e.request, e.error.as_str()),
        (request_type, request, uri),
        "unexpected ERROR {e:#?}"
    );
}

/// A value from anything serializable.
pub(crate) fn value<T: serde::Serialize>(v: T) -> Value {
    Value::from_serialize(&v).expect("serializable")
}

/// A dict from key-value pairs.
pub(crate) fn dict<const N: usize>(pairs: [(&str, Value); N]) -> Dict {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// The positional arguments of a payload.
#[track_caller]
pub(crate) fn args_of(p: &Payload) -> Vec<Value> {
    p.args_values().expect("readable arguments")
}
