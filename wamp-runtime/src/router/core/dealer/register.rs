//! REGISTER and UNREGISTER.

use crate::protocol::id::Id;
use crate::protocol::options::{InvokePolicy, MatchPolicy, UnregisteredDetails};
use crate::protocol::uris;
use crate::protocol::{
    Message, MessageType, Register, Registered, Unregister, Unregistered, Value,
};
use crate::router::clock::now_iso8601;

use super::super::env::Env;
use super::super::errors::error_reply;
use super::super::meta_event::MetaEvent;
use super::super::permissions::Action;
use super::registrations::Callee;
use super::tables::Dealer;

impl Dealer {
    /// Handles REGISTER.
    pub(crate) fn register(&mut self, env: &mut Env<'_>, session: Id, msg: Register) {
        let uri = msg.procedure.as_str();
        let reply =
            |uri_: &str, text: String| error_reply(MessageType::Register, msg.request, uri_, text);
        let Some(member) = env.members.get(session) else {
            return;
        };
        if !env
            .permissions
            .allows(&member.identity.authrole, Action::Register, uri)
        {
            let text = format!("session is not authorized to register procedure '{uri}'");
            env.out.send(session, reply(uris::NOT_AUTHORIZED, text));
            return;
        }
        if uri.starts_with("wamp.") {
            let text = format!("register for restricted procedure URI '{uri}'");
            env.out.send(session, reply(uris::INVALID_URI, text));
            return;
        }
        let policy = msg.options.match_.unwrap_or(MatchPolicy::Exact);
        let invoke = msg.options.invoke.unwrap_or(InvokePolicy::Single);
        let limit = env.limits.registrations_per_session;
        if self.registrations.count_of(session) >= limit {
            tracing::info!(
                session,
                limit,
                "REGISTER refused: registrations_per_session limit reached"
            );
            let text = format!("registrations_per_session limit ({limit}) reached");
            env.out.send(session, reply(uris::LIMIT_EXCEEDED, text));
            return;
        }
        let authid = member.identity.authid.clone();
        if let Some(id) = self.registrations.find(uri, policy)
            && msg.options.force_reregister == Some(true)
            && self.same_authid(env, id, &authid)
        {
            // Crossbar's force_reregister: the callees, all of the same
            // authid as the new one, are kicked out first.
            self.revoke_all(env, id, session);
        }
        let callee = Callee {
            session,
            concurrency: msg.options.concurrency.unwrap_or(0),
            in_flight: 0,
            disclose_caller: msg.options.disclose_caller == Some(true),
            forward_timeout: msg.options.forward_timeout == Some(true),
        };
        let schema = msg.options.extra.get(crate::docs::SCHEMA_OPTION).cloned();
        let existing = self.registrations.find(uri, policy);
        let answer = match existing.and_then(|id| self.registrations.get_mut(id)) {
            Some(reg) if reg.has_callee(session) || reg.invoke == InvokePolicy::Single => reply(
                uris::PROCEDURE_ALREADY_EXISTS,
                format!("register for already registered procedure '{uri}'"),
            ),
            Some(reg) if reg.invoke != invoke => reply(
                uris::PROCEDURE_EXISTS_WITH_DIFFERENT_POLICY,
                format!(
                    "register for already registered procedure '{uri}' with conflicting invocation policy (has {} and {} was requested)",
                    reg.invoke, invoke
                ),
            ),
            Some(reg) => {
                if reg.schema.is_none() {
                    reg.schema = schema;
                }
                let id = reg.id;
                self.registrations.add_callee(id, callee);
                env.meta.push(MetaEvent::new(
                    "wamp.registration.on_register",
                    vec![Value::UInt(session), Value::UInt(id)],
                ));
                Message::Registered(Registered {
                    request: msg.request,
                    registration: id,
                })
            }
            None => {
                let created = now_iso8601();
                let reg = self
                    .registrations
                    .create(uri, policy, invoke, callee, schema, created);
                env.meta.push(MetaEvent::new(
                    "wamp.registration.on_create",
                    vec![Value::UInt(session), reg.describe()],
                ));
                env.meta.push(MetaEvent::new(
                    "wamp.registration.on_register",
                    vec![Value::UInt(session), Value::UInt(reg.id)],
                ));
                Message::Registered(Registered {
                    request: msg.request,
                    registration: reg.id,
                })
            }
        };
        env.out.send(session, answer);
    }

    /// Whether every callee of a registration has this authid (the rule of
    /// `force_reregister`: a session only takes over its own authid's
    /// registrations).
    fn same_authid(&self, env: &Env<'_>, registration: Id, authid: &str) -> bool {
        self.registrations.get(registration).is_some_and(|reg| {
            reg.callees.iter().all(|c| {
                env.members
                    .get(c.session)
                    .is_some_and(|m| m.identity.authid == authid)
            })
        })
    }

    /// Removes every callee of a registration; those that announced
    /// registration revocation (except `by`) are told.
    fn revoke_all(&mut self, env: &mut Env<'_>, registration: Id, by: Id) {
        let callees: Vec<Id> = self
            .registrations
            .get(registration)
            .map(|r| r.callees.iter().map(|c| c.session).collect())
            .unwrap_or_default();
        for callee in callees {
            self.registrations
                .remove_callee(registration, callee, env.meta);
            if callee != by {
                self.revoked(
                    env,
                    registration,
                    callee,
                    Some("wamp.error.unregistered".into()),
                );
            }
        }
    }

    /// Tells a callee that announced registration revocation that the router
    /// removed it from a registration.
    pub(crate) fn revoked(
        &self,
        env: &mut Env<'_>,
        registration: Id,
        callee: Id,
        reason: Option<String>,
    ) {
        if env.members.features(callee).registration_revocation {
            env.out.send(
                callee,
                Message::Unregistered(Unregistered {
                    request: 0,
                    details: Some(UnregisteredDetails {
                        registration: Some(registration),
                        reason,
                        ..Default::default()
                    }),
                }),
            );
        }
    }

    /// Handles UNREGISTER.
    pub(crate) fn unregister(&mut self, env: &mut Env<'_>, session: Id, msg: Unregister) {
        let removed = self
            .registrations
            .remove_callee(msg.registration, session, env.meta);
        let answer = if removed {
            Message::Unregistered(Unregistered {
                request: msg.request,
                details: None,
            })
        } else {
            error_reply(
                MessageType::Unregister,
                msg.request,
                uris::NO_SUCH_REGISTRATION,
                format!("session has no registration {}", msg.registration),
            )
        };
        env.out.send(session, answer);
    }
}
