//! A driver for [`RealmCore`] in tests: sessions join with chosen roles, send
//! messages, leave; time is advanced by hand; what the core sends lands in
//! per-session inboxes.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use crate::protocol::id::Id;
use crate::protocol::roles::{Role, RoleDetails, Roles, feature};
use crate::protocol::{Message, Payload, Uri};
use crate::router::config::RealmConfig;
use crate::router::identity::Identity;
use crate::serializer::SerializerKind;
use crate::transport::TransportKind;

use super::super::{Joining, NotRoutable, Outgoing, Output, RealmCore};

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
}

impl Harness {
    /// An open realm `realm1` with a fixed seed.
    pub(crate) fn open() -> Self {
        Self::with_config(RealmConfig::open("realm1"), 1)
    }

    /// A realm as configured, seeded.
    pub(crate) fn with_config(config: RealmConfig, seed: u64) -> Self {
        Harness {
            core: RealmCore::seeded(&config, seed),
            now: Instant::now(),
            inbox: HashMap::new(),
            closed: HashSet::new(),
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
    pub(crate) fn join_as(&mut self, authid: &str, authrole: &str, roles: Roles) -> Id {
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
        let (id, out) = self.core.join(id, joining);
        self.inbox.entry(id).or_default();
        self.absorb(out);
        id
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
}
