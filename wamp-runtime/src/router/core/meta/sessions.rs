//! `wamp.session.*`: count, list, get and kill sessions.

use crate::protocol::id::Id;
use crate::protocol::options::CloseDetails;
use crate::protocol::uris;
use crate::protocol::{Goodbye, Message, Uri, Value};

use super::args::ids;
use super::call::{MetaCall, MetaError, MetaReply};

/// The sessions that pass the optional authrole filter.
fn filtered(call: &MetaCall<'_, '_>) -> Vec<Id> {
    let roles = call.authroles_filter();
    call.env
        .members
        .iter()
        .filter(|m| {
            roles
                .as_ref()
                .is_none_or(|r| r.contains(&m.identity.authrole))
        })
        .map(|m| m.id)
        .collect()
}

/// `wamp.session.count([authroles])`.
pub(crate) fn count(call: &mut MetaCall<'_, '_>) -> MetaReply {
    Ok(vec![Value::UInt(filtered(call).len() as u64)])
}

/// `wamp.session.list([authroles])`.
pub(crate) fn list(call: &mut MetaCall<'_, '_>) -> MetaReply {
    Ok(vec![ids(filtered(call))])
}

fn no_such_session(id: Id) -> MetaError {
    MetaError::new(
        uris::NO_SUCH_SESSION,
        format!("no session with ID {id} exists on this router"),
    )
}

/// `wamp.session.get(session)`.
pub(crate) fn get(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let id = call.id(0, "session")?;
    let member = call
        .env
        .members
        .get(id)
        .ok_or_else(|| no_such_session(id))?;
    Ok(vec![member.describe()])
}

/// The `reason` and `message` keyword arguments of the kill procedures.
fn close_reason(call: &MetaCall<'_, '_>) -> Result<(Uri, Option<String>), MetaError> {
    let reason = match call.kwargs.get("reason") {
        None => Uri::from_trusted(uris::CLOSE_KILLED),
        Some(v) => v
            .as_str()
            .and_then(|s| Uri::new(s).ok())
            .ok_or_else(|| MetaError::new(uris::INVALID_URI, format!("invalid reason URI {v}")))?,
    };
    Ok((reason, call.kw_str("message")))
}

/// Says GOODBYE to a session and closes it.
fn kill(call: &mut MetaCall<'_, '_>, session: Id, reason: &Uri, message: &Option<String>) {
    call.env.out.send(
        session,
        Message::Goodbye(Goodbye {
            details: CloseDetails {
                message: message.clone(),
                ..Default::default()
            },
            reason: reason.clone(),
        }),
    );
    call.env.out.close(session);
}

/// `wamp.session.kill(session, reason=, message=)`.
pub(crate) fn kill_one(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let id = call.id(0, "session")?;
    if id == call.caller {
        return Err(MetaError::new(
            uris::INVALID_ARGUMENT,
            "a session cannot kill itself",
        ));
    }
    let (reason, message) = close_reason(call)?;
    if !call.env.members.contains(id) {
        return Err(no_such_session(id));
    }
    kill(call, id, &reason, &message);
    Ok(vec![])
}

/// Kills every other session that `hit` selects; returns their IDs.
fn kill_where(
    call: &mut MetaCall<'_, '_>,
    hit: impl Fn(&crate::router::identity::Identity) -> bool,
) -> Result<Vec<Id>, MetaError> {
    let (reason, message) = close_reason(call)?;
    let caller = call.caller;
    let victims: Vec<Id> = call
        .env
        .members
        .iter()
        .filter(|m| m.id != caller && hit(&m.identity))
        .map(|m| m.id)
        .collect();
    for id in &victims {
        kill(call, *id, &reason, &message);
    }
    Ok(victims)
}

/// `wamp.session.kill_by_authid(authid, reason=, message=)`.
pub(crate) fn kill_by_authid(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let authid = call.str(0, "authid")?.to_owned();
    Ok(vec![ids(kill_where(call, |i| i.authid == authid)?)])
}

/// `wamp.session.kill_by_authrole(authrole, reason=, message=)`.
pub(crate) fn kill_by_authrole(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let authrole = call.str(0, "authrole")?.to_owned();
    Ok(vec![ids(kill_where(call, |i| i.authrole == authrole)?)])
}

/// `wamp.session.kill_all(reason=, message=)`.
pub(crate) fn kill_all(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let killed = kill_where(call, |_| true)?;
    Ok(vec![Value::UInt(killed.len() as u64)])
}
