//! `wamp.registration.*`: list, look up, match, describe registrations and
//! their callees, and remove a callee.

use crate::protocol::Value;
use crate::protocol::id::Id;
use crate::protocol::uris;

use super::super::dealer::Registration;
use super::args::{by_policy, id_or_null, ids};
use super::call::{MetaCall, MetaError, MetaReply};

fn registration<'a>(call: &'a MetaCall<'_, '_>, id: Id) -> Result<&'a Registration, MetaError> {
    call.dealer.registrations.get(id).ok_or_else(|| {
        MetaError::new(
            uris::NO_SUCH_REGISTRATION,
            format!("no registration with ID {id} exists on this dealer"),
        )
    })
}

/// `wamp.registration.list()`.
pub(crate) fn list(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let regs = call.dealer.registrations.iter().map(|r| (r.policy, r.id));
    Ok(vec![by_policy(regs)])
}

/// `wamp.registration.lookup(procedure, {match})`.
pub(crate) fn lookup(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let uri = call.str(0, "procedure")?;
    let policy = call.match_option()?;
    Ok(vec![id_or_null(
        call.dealer.registrations.find(uri, policy),
    )])
}

/// `wamp.registration.match(procedure)`.
pub(crate) fn match_(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let uri = call.str(0, "procedure")?;
    Ok(vec![id_or_null(call.dealer.registrations.lookup(uri))])
}

/// `wamp.registration.get(registration)`.
pub(crate) fn get(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let id = call.id(0, "registration")?;
    Ok(vec![registration(call, id)?.describe()])
}

/// `wamp.registration.list_callees(registration)`.
pub(crate) fn list_callees(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let id = call.id(0, "registration")?;
    let reg = registration(call, id)?;
    Ok(vec![ids(reg.callees.iter().map(|c| c.session))])
}

/// `wamp.registration.count_callees(registration)`.
pub(crate) fn count_callees(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let id = call.id(0, "registration")?;
    let reg = registration(call, id)?;
    Ok(vec![Value::UInt(reg.callees.len() as u64)])
}

/// `wamp.registration.remove_callee(registration, callee, reason=)`.
pub(crate) fn remove_callee(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let id = call.id(0, "registration")?;
    let callee = call.id(1, "callee")?;
    let reason = call.kw_str("reason");
    if !call
        .dealer
        .registrations
        .remove_callee(id, callee, call.env.meta)
    {
        return Err(MetaError::new(
            uris::NO_SUCH_REGISTRATION,
            format!("no callee {callee} on registration {id}"),
        ));
    }
    call.dealer.revoked(call.env, id, callee, reason);
    Ok(vec![])
}
