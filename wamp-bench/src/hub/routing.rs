//! The hub's routing state and what it does with each message: WELCOME,
//! REGISTERED and SUBSCRIBED for the set-up, CALL → INVOCATION, YIELD →
//! RESULT, PUBLISH → EVENT (built once, shared by every subscriber).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use tokio::sync::mpsc::{self, error::TrySendError};
use wamp::SerializerKind;

use super::build::Out;
use super::parse::{Fields, split, string, uint};

/// A session's queue of outgoing frames, drained by its writer.
pub(crate) type Outbox = mpsc::Sender<Bytes>;

/// A session as the routing tables see it.
#[derive(Clone)]
struct Party {
    session: u64,
    kind: SerializerKind,
    outbox: Outbox,
}

struct Registration {
    id: u64,
    callee: Party,
}

struct Subscription {
    id: u64,
    subscribers: Vec<Party>,
}

/// A call waiting for its YIELD.
struct Pending {
    caller: Party,
    request: u64,
}

/// Everything the hub knows, shared by the sessions (all on one thread, so
/// the lock is never contended).
#[derive(Default)]
pub(crate) struct Tables {
    next_id: u64,
    registrations: HashMap<String, Registration>,
    subscriptions: HashMap<String, Subscription>,
    pending: HashMap<u64, Pending>,
}

/// The hub's shared tables.
pub(crate) type Shared = Arc<Mutex<Tables>>;

impl Tables {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

/// Whether the session goes on after a message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// Read the next message.
    Continue,
    /// Close the transport (after GOODBYE).
    Close,
}

/// One connected session: its identity, its outbox and what it set up.
pub(crate) struct Session {
    me: Party,
    tables: Shared,
    registered: Vec<String>,
    subscribed: Vec<String>,
    /// Frames whose outbox was full: awaited after the lock is released.
    blocked: Vec<(Outbox, Bytes)>,
}

/// Queues `frame` without waiting; a full outbox is left for later.
fn deliver(to: &Outbox, frame: Bytes, blocked: &mut Vec<(Outbox, Bytes)>) {
    match to.try_send(frame) {
        Ok(()) | Err(TrySendError::Closed(_)) => {}
        Err(TrySendError::Full(frame)) => blocked.push((to.clone(), frame)),
    }
}

impl Session {
    /// A session with serializer `kind` writing to `outbox`.
    pub(crate) fn new(tables: Shared, kind: SerializerKind, outbox: Outbox) -> Session {
        let session = lock(&tables).id();
        Session {
            me: Party {
                session,
                kind,
                outbox,
            },
            tables,
            registered: Vec::new(),
            subscribed: Vec::new(),
            blocked: Vec::new(),
        }
    }

    /// Handles one incoming frame.
    pub(crate) async fn handle(&mut self, frame: &[u8]) -> Result<Next, String> {
        let kind = self.me.kind;
        let fields = split(kind, frame).ok_or("not a message array")?;
        let int = |i: usize| fields.get(i).and_then(|f| uint(kind, f));
        let ty = int(0).ok_or("no message type")?;
        let reply = match ty {
            1 => Some(
                Out::new(kind, 3)
                    .uint(2)
                    .uint(self.me.session)
                    .router_roles()
                    .finish(),
            ),
            6 => {
                let goodbye = Out::new(kind, 3)
                    .uint(6)
                    .empty_dict()
                    .str("wamp.close.goodbye_and_out")
                    .finish();
                let _ = self.me.outbox.send(goodbye).await;
                return Ok(Next::Close);
            }
            64 | 32 => {
                let request = int(1).ok_or("no request ID")?;
                let uri = fields
                    .get(3)
                    .and_then(|f| string(kind, f))
                    .ok_or("no URI")?;
                let id = if ty == 64 {
                    self.register(uri.into_owned())
                } else {
                    self.subscribe(uri.into_owned())
                };
                Some(
                    Out::new(kind, 3)
                        .uint(ty + 1)
                        .uint(request)
                        .uint(id)
                        .finish(),
                )
            }
            48 => self.call(&fields)?,
            70 => {
                self.yield_(&fields)?;
                None
            }
            16 => {
                self.publish(&fields)?;
                None
            }
            other => {
                tracing::debug!(message_type = other, "hub: message ignored");
                None
            }
        };
        if let Some(reply) = reply {
            deliver(&self.me.outbox, reply, &mut self.blocked);
        }
        for (outbox, frame) in self.blocked.drain(..) {
            let _ = outbox.send(frame).await;
        }
        Ok(Next::Continue)
    }

    fn register(&mut self, procedure: String) -> u64 {
        let mut t = lock(&self.tables);
        let id = t.id();
        let callee = self.me.clone();
        t.registrations
            .insert(procedure.clone(), Registration { id, callee });
        self.registered.push(procedure);
        id
    }

    fn subscribe(&mut self, topic: String) -> u64 {
        let mut t = lock(&self.tables);
        let fresh = t.id();
        let sub = t
            .subscriptions
            .entry(topic.clone())
            .or_insert_with(|| Subscription {
                id: fresh,
                subscribers: Vec::new(),
            });
        sub.subscribers.push(self.me.clone());
        self.subscribed.push(topic);
        sub.id
    }

    /// CALL → INVOCATION to the callee, or ERROR when nothing is registered.
    fn call(&mut self, fields: &Fields<'_>) -> Result<Option<Bytes>, String> {
        let kind = self.me.kind;
        let request = fields
            .get(1)
            .and_then(|f| uint(kind, f))
            .ok_or("CALL without request")?;
        let procedure = fields
            .get(3)
            .and_then(|f| string(kind, f))
            .ok_or("CALL without URI")?;
        let mut t = lock(&self.tables);
        let Some(reg) = t.registrations.get(procedure.as_ref()) else {
            return Ok(Some(
                Out::new(kind, 5)
                    .uint(8)
                    .uint(48)
                    .uint(request)
                    .empty_dict()
                    .str("wamp.error.no_such_procedure")
                    .finish(),
            ));
        };
        if reg.callee.kind != kind {
            return Err("the callee speaks another serializer".into());
        }
        let (registration, callee) = (reg.id, reg.callee.outbox.clone());
        let invocation = t.id();
        let rest = fields.rest(4);
        let frame = Out::new(kind, 4 + rest.len())
            .uint(68)
            .uint(invocation)
            .uint(registration)
            .empty_dict()
            .raws(rest)
            .finish();
        t.pending.insert(
            invocation,
            Pending {
                caller: self.me.clone(),
                request,
            },
        );
        drop(t);
        deliver(&callee, frame, &mut self.blocked);
        Ok(None)
    }

    /// YIELD → RESULT to the caller.
    fn yield_(&mut self, fields: &Fields<'_>) -> Result<(), String> {
        let kind = self.me.kind;
        let invocation = fields
            .get(1)
            .and_then(|f| uint(kind, f))
            .ok_or("YIELD without request")?;
        let Some(p) = lock(&self.tables).pending.remove(&invocation) else {
            return Err(format!("YIELD for unknown invocation {invocation}"));
        };
        let rest = fields.rest(3);
        let frame = Out::new(kind, 3 + rest.len())
            .uint(50)
            .uint(p.request)
            .empty_dict()
            .raws(rest)
            .finish();
        deliver(&p.caller.outbox, frame, &mut self.blocked);
        Ok(())
    }

    /// PUBLISH → one EVENT, serialized once, to every other subscriber.
    fn publish(&mut self, fields: &Fields<'_>) -> Result<(), String> {
        let kind = self.me.kind;
        let topic = fields
            .get(3)
            .and_then(|f| string(kind, f))
            .ok_or("PUBLISH without URI")?;
        let mut t = lock(&self.tables);
        let publication = t.id();
        let Some(sub) = t.subscriptions.get(topic.as_ref()) else {
            return Ok(());
        };
        let rest = fields.rest(4);
        let frame = Out::new(kind, 4 + rest.len())
            .uint(36)
            .uint(sub.id)
            .uint(publication)
            .empty_dict()
            .raws(rest)
            .finish();
        for s in &sub.subscribers {
            if s.session != self.me.session && s.kind == kind {
                deliver(&s.outbox, frame.clone(), &mut self.blocked);
            }
        }
        Ok(())
    }

    /// Removes what this session registered and subscribed.
    pub(crate) fn leave(self) {
        let mut t = lock(&self.tables);
        let me = self.me.session;
        for procedure in &self.registered {
            if t.registrations
                .get(procedure)
                .is_some_and(|r| r.callee.session == me)
            {
                t.registrations.remove(procedure);
            }
        }
        for topic in &self.subscribed {
            if let Some(sub) = t.subscriptions.get_mut(topic) {
                sub.subscribers.retain(|s| s.session != me);
                if sub.subscribers.is_empty() {
                    t.subscriptions.remove(topic);
                }
            }
        }
        t.pending.retain(|_, p| p.caller.session != me);
    }
}

fn lock(tables: &Shared) -> std::sync::MutexGuard<'_, Tables> {
    tables.lock().unwrap_or_else(PoisonError::into_inner)
}
