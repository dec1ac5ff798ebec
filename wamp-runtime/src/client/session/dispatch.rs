//! What the reader does with each classified message: answers complete the
//! requests waiting for them, INVOCATION and EVENT go to their handlers,
//! INTERRUPT cancels an invocation, revocations deactivate, GOODBYE and ABORT
//! end the session.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::close::CloseReason;
use super::events::on_event;
use super::handle::{Pending, Session, SubscriptionEntry};
use super::invocation::on_invocation;
use crate::client::details::CallResult;
use crate::client::error::Error;
use crate::client::state::Incoming;
use crate::protocol::options::CancelMode;
use crate::protocol::uris;
use crate::protocol::{Goodbye, Message, ResultMessage, Uri};

/// Handles one classified message; `Some` ends the session.
pub(super) async fn dispatch(
    session: &Session,
    incoming: Incoming<Pending>,
) -> Option<CloseReason> {
    match incoming {
        Incoming::Reply { pending, message } => on_reply(session, pending, message),
        Incoming::Progress(result) => on_progress(session, result),
        Incoming::Stale(m) => {
            tracing::trace!(kind = m.message_type().name(), "late answer ignored")
        }
        Incoming::Invocation(inv) => on_invocation(session, inv).await,
        Incoming::Interrupt(int) => {
            if let Some(token) = session.lock().invocations.get(&int.request) {
                token.cancel();
            }
        }
        Incoming::Event(ev) => on_event(session, ev),
        Incoming::EventReceived(publication) => {
            // No receiver (nobody listens) or a full one is not an error.
            let _ = session.shared.acks.send(publication);
        }
        Incoming::RegistrationRevoked {
            registration,
            reason,
        } => {
            tracing::info!(registration, ?reason, "registration revoked by the router");
            if let Some(e) = session.lock().registrations.remove(&registration) {
                e.active.store(false, Ordering::Release);
            }
        }
        Incoming::SubscriptionRevoked {
            subscription,
            reason,
        } => {
            tracing::info!(subscription, ?reason, "subscription revoked by the router");
            if let Some(e) = session.lock().subscriptions.remove(&subscription) {
                e.active.store(false, Ordering::Release);
            }
        }
        Incoming::Goodbye {
            message,
            reply_to_ours,
        } => {
            if !reply_to_ours {
                let _ = session
                    .send(&Message::Goodbye(Goodbye::new(Uri::from_trusted(
                        uris::CLOSE_GOODBYE_AND_OUT,
                    ))))
                    .await;
            }
            return Some(CloseReason {
                reason: message.reason.into_string(),
                message: message.details.message,
            });
        }
        Incoming::Abort(a) => {
            return Some(CloseReason {
                reason: a.reason.into_string(),
                message: a.details.message,
            });
        }
        Incoming::Challenge(_) | Incoming::Welcome(_) => {}
    }
    None
}

/// Delivers a progressive result; a caller that has
/// [`SessionLimits::max_queued_progress`](super::SessionLimits::max_queued_progress)
/// unread ones already gets `wamp.error.limit_exceeded` instead, and the
/// call is canceled.
fn on_progress(session: &Session, result: ResultMessage) {
    let request = result.request;
    let overflow = {
        let mut core = session.lock();
        match core.proto.pending_mut(request) {
            Some(Pending::Call(sink)) => {
                let delivered = sink.progress(CallResult {
                    payload: result.payload,
                    details: result.details,
                });
                if delivered {
                    None
                } else {
                    core.proto.forget(request)
                }
            }
            _ => None,
        }
    };
    if let Some(pending) = overflow {
        let max = session.shared.limits.max_queued_progress;
        tracing::warn!(
            request,
            max,
            "progressive results not read: the call fails (SessionLimits::max_queued_progress)"
        );
        pending.fail(Error::message(
            uris::LIMIT_EXCEEDED,
            format!(
                "{max} progressive results were not read yet (SessionLimits::max_queued_progress); the call was canceled"
            ),
        ));
        session.cancel_now(request, Some(CancelMode::KillNoWait), false);
    }
}

/// Completes a request with its answer.
fn on_reply(session: &Session, pending: Pending, message: Message) {
    match (pending, message) {
        (p, Message::Error(e)) => {
            let d = &e.details;
            let payload = match crate::client::codec::open(
                session.codec().as_deref(),
                true,
                e.error.as_str(),
                e.payload,
                d.enc_algo.as_ref(),
                d.enc_key.as_ref(),
                d.enc_serializer.as_ref(),
            ) {
                Ok(payload) => payload,
                Err(opening) => return p.fail(opening),
            };
            p.fail(Error::with_payload(e.error.as_str(), payload))
        }
        (Pending::Call(sink), Message::Result(r)) => sink.finish(Ok(CallResult {
            payload: r.payload,
            details: r.details,
        })),
        (Pending::Register { tx, entry }, Message::Registered(r)) => {
            session.lock().registrations.insert(r.registration, entry);
            let _ = tx.send(Ok(r.registration));
        }
        (
            Pending::Subscribe {
                tx,
                handler,
                topic,
                load,
            },
            Message::Subscribed(s),
        ) => {
            let local = session.next_local();
            let mut core = session.lock();
            let handlers = &mut core
                .subscriptions
                .entry(s.subscription)
                .or_insert_with(|| SubscriptionEntry {
                    topic,
                    handlers: Arc::default(),
                    active: Arc::new(AtomicBool::new(true)),
                })
                .handlers;
            Arc::make_mut(handlers).push((local, handler, load));
            let _ = tx.send(Ok((s.subscription, local)));
        }
        (Pending::Unregister(tx), _) | (Pending::Unsubscribe(tx), _) => drop(tx.send(Ok(()))),
        (Pending::Publish(tx), Message::Published(p)) => drop(tx.send(Ok(Some(p.publication)))),
        (p, m) => p.fail(Error::message(
            uris::PROTOCOL_VIOLATION,
            format!("unexpected {}", m.message_type().name()),
        )),
    }
}
