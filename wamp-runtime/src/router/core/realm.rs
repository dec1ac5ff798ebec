//! One realm's routing state with no I/O: it takes one input (a session
//! joins, sends a message, leaves; time passes) and returns what to send to
//! whom and which sessions to close.

use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::protocol::id::{Id, MAX_ID};
use crate::protocol::uris;
use crate::protocol::{Call, Message, MessageType};
use crate::router::config::RealmConfig;
use crate::router::limits::Limits;

use super::broker::{Broker, History};
use super::dealer::Dealer;
use super::env::Env;
use super::errors::error_reply;
use super::meta::{self, MetaCall};
use super::meta_event::MetaEvent;
use super::output::{NotRoutable, Output};
use super::permissions::{Action, Permissions};
use super::session::{Joining, Members};
use super::undeliverable::{self, Undeliverable};

/// One realm of the router: sessions, dealer, broker, meta API.
pub(crate) struct RealmCore {
    name: String,
    members: Members,
    permissions: Permissions,
    dealer: Dealer,
    broker: Broker,
    limits: Limits,
    rng: StdRng,
    /// EVENTs that could not be delivered to a subscriber.
    undelivered_events: u64,
}

/// Why a session may not join: the shell answers with ABORT carrying this
/// reason and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JoinRefused {
    /// Error URI of the ABORT.
    pub(crate) reason: &'static str,
    /// What went wrong, naming the limit.
    pub(crate) message: String,
}

impl RealmCore {
    /// A realm as configured, under the router's limits, with IDs from the
    /// operating system's randomness.
    pub(crate) fn new(config: &RealmConfig, limits: &Limits) -> Self {
        Self::with_rng(config, limits, StdRng::from_os_rng())
    }

    /// A realm whose IDs and random choices follow `seed` (for tests).
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn seeded(config: &RealmConfig, limits: &Limits, seed: u64) -> Self {
        Self::with_rng(config, limits, StdRng::seed_from_u64(seed))
    }

    fn with_rng(config: &RealmConfig, limits: &Limits, rng: StdRng) -> Self {
        RealmCore {
            name: config.name.clone(),
            members: Members::default(),
            permissions: Permissions::new(config),
            dealer: Dealer::default(),
            broker: Broker {
                history: History::new(&config.store),
                ..Broker::default()
            },
            limits: limits.clone(),
            rng,
            undelivered_events: 0,
        }
    }

    /// Runs `handler` with the environment of one input, then publishes the
    /// meta events it reported.
    fn with_env<R>(
        &mut self,
        now: Instant,
        handler: impl FnOnce(&mut Env<'_>, &mut Dealer, &mut Broker, &str) -> R,
    ) -> (Output, R) {
        let mut out = Output::default();
        let mut meta = Vec::new();
        let mut env = Env {
            members: &mut self.members,
            permissions: &self.permissions,
            out: &mut out,
            meta: &mut meta,
            limits: &self.limits,
            now,
            rng: &mut self.rng,
        };
        let result = handler(&mut env, &mut self.dealer, &mut self.broker, &self.name);
        self.publish_meta(&mut out, meta);
        (out, result)
    }

    /// Publishes meta events to their subscribers.
    fn publish_meta(&mut self, out: &mut Output, events: Vec<MetaEvent>) {
        for event in events {
            self.broker.publish_internal(
                &self.members,
                out,
                &mut self.rng,
                event.topic,
                event.args,
            );
        }
    }

    /// A fresh session ID not used in this realm (offered to authenticators
    /// before the session joins).
    pub(crate) fn new_session_id(&mut self) -> Id {
        loop {
            let id = self.rng.random_range(1..=MAX_ID);
            if !self.members.contains(id) {
                return id;
            }
        }
    }

    /// A session joins under `id` (or a fresh ID if another session took it
    /// meanwhile), returned, and `wamp.session.on_join` is published. Refused
    /// with `wamp.error.limit_exceeded` when the realm already has
    /// `sessions_per_realm` sessions.
    pub(crate) fn join(&mut self, id: Id, joining: Joining) -> Result<(Id, Output), JoinRefused> {
        let limit = self.limits.sessions_per_realm;
        if self.members.count() >= limit {
            tracing::info!(realm = %self.name, limit, "join refused: sessions_per_realm limit reached");
            return Err(JoinRefused {
                reason: uris::LIMIT_EXCEEDED,
                message: format!("sessions_per_realm limit ({limit}) reached"),
            });
        }
        let id = if id == 0 || self.members.contains(id) {
            self.new_session_id()
        } else {
            id
        };
        let info = self.members.insert(id, joining).describe();
        let mut out = Output::default();
        self.publish_meta(
            &mut out,
            vec![MetaEvent::new("wamp.session.on_join", vec![info])],
        );
        Ok((id, out))
    }

    /// A session leaves (GOODBYE, ABORT, closed or killed connection): its
    /// registrations and subscriptions go, calls it made are interrupted at
    /// their callees, calls it served end with `wamp.error.canceled`, and the
    /// meta API is told.
    pub(crate) fn leave(&mut self, session: Id, now: Instant) -> Output {
        let Some(testaments) = self
            .members
            .get_mut(session)
            .map(|m| m.testaments.take_all())
        else {
            return Output::default();
        };
        // Testaments are PUBLISHes of the session itself, so they go out
        // while it is still a member (its role authorizes them).
        let (mut out, ()) = self.with_env(now, |env, _, broker, _| {
            for testament in testaments {
                let allowed = env.members.get(session).is_some_and(|m| {
                    env.permissions.allows(
                        &m.identity.authrole,
                        Action::Publish,
                        testament.topic.as_str(),
                    )
                });
                if !allowed {
                    tracing::info!(
                        session,
                        topic = testament.topic.as_str(),
                        "testament not published: the session is not authorized to publish to its topic"
                    );
                    continue;
                }
                broker.publish(env, session, testament.into_publish(0));
            }
        });
        let Some(member) = self.members.remove(session) else {
            return out;
        };
        // Both forget the session before any meta event is published, so that
        // none reaches the session leaving through its own subscriptions.
        let (removed, ()) = self.with_env(now, |env, dealer, broker, _| {
            dealer.remove_session(env, session);
            broker.remove_session(env, session);
        });
        out.items.extend(removed.items);
        out.rearm |= removed.rearm;
        let info = member.leave_info();
        self.publish_meta(
            &mut out,
            vec![MetaEvent::new("wamp.session.on_leave", vec![info])],
        );
        out
    }

    /// Routes one message of an established session. Messages a client may
    /// not send in a session (HELLO, WELCOME, EVENT, ...) are refused; GOODBYE
    /// and ABORT end the session and are the shell's to handle.
    pub(crate) fn handle(
        &mut self,
        session: Id,
        msg: Message,
        now: Instant,
    ) -> Result<Output, NotRoutable> {
        if !self.members.contains(session) {
            return Ok(Output::default());
        }
        let (out, routed) = match msg {
            Message::Call(m) => self.with_env(now, |env, dealer, broker, realm| {
                route_call(env, dealer, broker, realm, session, m)
            }),
            Message::Yield(m) => self.with_env(now, |env, dealer, _, _| {
                dealer.yield_(env, session, m);
                Ok(())
            }),
            Message::Error(m) if m.request_type == MessageType::Invocation => {
                self.with_env(now, |env, dealer, _, _| {
                    dealer.invocation_error(env, session, m);
                    Ok(())
                })
            }
            Message::Cancel(m) => self.with_env(now, |env, dealer, _, _| {
                dealer.cancel(env, session, m);
                Ok(())
            }),
            Message::Register(m) => self.with_env(now, |env, dealer, _, _| {
                dealer.register(env, session, m);
                Ok(())
            }),
            Message::Unregister(m) => self.with_env(now, |env, dealer, _, _| {
                dealer.unregister(env, session, m);
                Ok(())
            }),
            Message::Publish(m) => self.with_env(now, |env, _, broker, _| {
                broker.publish(env, session, m);
                Ok(())
            }),
            Message::Subscribe(m) => self.with_env(now, |env, _, broker, _| {
                broker.subscribe(env, session, m);
                Ok(())
            }),
            Message::Unsubscribe(m) => self.with_env(now, |env, _, broker, _| {
                broker.unsubscribe(env, session, m);
                Ok(())
            }),
            Message::EventReceived(m) => self.with_env(now, |env, _, broker, _| {
                broker.acks.received(env.out, session, m.publication);
                Ok(())
            }),
            other => {
                return Err(NotRoutable(format!(
                    "{} is not allowed from a client in an established session",
                    other.message_type().name()
                )));
            }
        };
        routed.map(|()| out)
    }

    /// A message could not be delivered to `session` (the shell could not
    /// encode it for the session's serializer, or it is larger than the
    /// session accepts). Nothing is dropped silently: an INVOCATION ends its
    /// call with an ERROR to the caller (the callee's slot is freed); a
    /// RESULT becomes an ERROR to the caller (a progressive one also ends
    /// the call and interrupts the callee); an ERROR is replaced by a short
    /// one with the same URI and no payload; another reply becomes an ERROR;
    /// an EVENT is counted ([`RealmCore::undelivered_events`]) and logged.
    pub(crate) fn undeliverable(
        &mut self,
        session: Id,
        message: &Message,
        reason: &Undeliverable,
        now: Instant,
    ) -> Output {
        if !self.members.contains(session) {
            return Output::default();
        }
        if let Message::Event(event) = message {
            self.undelivered_events += 1;
            tracing::warn!(
                realm = %self.name,
                session,
                subscription = event.subscription,
                publication = event.publication,
                total = self.undelivered_events,
                %reason,
                "EVENT not delivered to a subscriber"
            );
            return Output::default();
        }
        self.with_env(now, |env, dealer, _, _| {
            undeliverable::answer(env, dealer, session, message, reason)
        })
        .0
    }

    /// How many EVENTs could not be delivered to a subscriber since the realm
    /// started.
    pub(crate) fn undelivered_events(&self) -> u64 {
        self.undelivered_events
    }

    /// Ends the calls whose timeout has passed.
    pub(crate) fn expire(&mut self, now: Instant) -> Output {
        self.with_env(now, |env, dealer, _, _| dealer.expire(env, now))
            .0
    }

    /// When [`RealmCore::expire`] next has something to do.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.dealer.calls.next_deadline()
    }

    /// The live catalog document of the realm (reflection).
    pub(crate) fn catalog(&self) -> serde_json::Value {
        meta::catalog(&self.name, &self.dealer, &self.broker)
    }

    /// The realm's state, for tests, invariants and snapshots.
    pub(crate) fn parts(&self) -> (&Members, &Dealer, &Broker) {
        (&self.members, &self.dealer, &self.broker)
    }
}

/// A CALL: authorized once, then either answered by the meta API (`wamp.*`)
/// or routed by the dealer.
fn route_call(
    env: &mut Env<'_>,
    dealer: &mut Dealer,
    broker: &mut Broker,
    realm: &str,
    caller: Id,
    msg: Call,
) -> Result<(), NotRoutable> {
    // A further chunk of a progressive call belongs to its call, whatever
    // URI it names.
    if dealer.call_of(caller, msg.request).is_some() {
        return dealer.call(env, caller, msg);
    }
    let uri = msg.procedure.as_str();
    let allowed = env.members.get(caller).is_some_and(|m| {
        env.permissions
            .allows(&m.identity.authrole, Action::Call, uri)
    });
    if !allowed {
        let text = format!("session is not authorized to call procedure '{uri}'");
        env.out.send(
            caller,
            error_reply(MessageType::Call, msg.request, uris::NOT_AUTHORIZED, text),
        );
        return Ok(());
    }
    if !uri.starts_with("wamp.") {
        return dealer.call(env, caller, msg);
    }
    let (args, kwargs) = match (msg.payload.args_values(), msg.payload.kwargs_values()) {
        (Ok(args), Ok(kwargs)) => (args, kwargs),
        (Err(e), _) | (_, Err(e)) => {
            let text = format!("the arguments of <{uri}> cannot be read: {e}");
            env.out.send(
                caller,
                error_reply(MessageType::Call, msg.request, uris::INVALID_ARGUMENT, text),
            );
            return Ok(());
        }
    };
    let mut call = MetaCall {
        env,
        dealer,
        broker,
        realm,
        caller,
        args,
        kwargs,
    };
    let answer = meta::answer(&mut call, &msg);
    call.env.out.send(caller, answer);
    Ok(())
}
