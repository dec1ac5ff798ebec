//! `wamp.subscription.*`: list, look up, match, describe subscriptions and
//! their subscribers, remove a subscriber, and read a subscription's event
//! history.

use crate::protocol::Value;
use crate::protocol::id::Id;
use crate::protocol::uris;

use super::super::broker::Subscription;
use super::super::errors::HISTORY_UNAVAILABLE;
use super::super::permissions::Action;
use super::args::{by_policy, id_or_null, ids};
use super::call::{MetaCall, MetaError, MetaReply};

fn subscription<'a>(call: &'a MetaCall<'_, '_>, id: Id) -> Result<&'a Subscription, MetaError> {
    call.broker.subscriptions.get(id).ok_or_else(|| {
        MetaError::new(
            uris::NO_SUCH_SUBSCRIPTION,
            format!("no subscription with ID {id} exists on this broker"),
        )
    })
}

/// `wamp.subscription.list()`.
pub(crate) fn list(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let subs = call.broker.subscriptions.iter().map(|s| (s.policy, s.id));
    Ok(vec![by_policy(subs)])
}

/// `wamp.subscription.lookup(topic, {match})`.
pub(crate) fn lookup(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let uri = call.str(0, "topic")?;
    let policy = call.match_option()?;
    Ok(vec![id_or_null(
        call.broker.subscriptions.find(uri, policy),
    )])
}

/// `wamp.subscription.match(topic)`: the subscriptions an event would reach.
pub(crate) fn match_(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let topic = call.str(0, "topic")?;
    let found: Vec<Id> = call
        .broker
        .subscriptions
        .matching(topic)
        .map(|s| s.id)
        .collect();
    Ok(vec![if found.is_empty() {
        Value::Null
    } else {
        ids(found)
    }])
}

/// `wamp.subscription.get(subscription)`.
pub(crate) fn get(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let id = call.id(0, "subscription")?;
    Ok(vec![subscription(call, id)?.describe()])
}

/// `wamp.subscription.list_subscribers(subscription)`.
pub(crate) fn list_subscribers(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let id = call.id(0, "subscription")?;
    Ok(vec![ids(subscription(call, id)?
        .subscribers
        .iter()
        .copied())])
}

/// `wamp.subscription.count_subscribers(subscription)`.
pub(crate) fn count_subscribers(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let id = call.id(0, "subscription")?;
    Ok(vec![Value::UInt(
        subscription(call, id)?.subscribers.len() as u64
    )])
}

/// `wamp.subscription.remove_subscriber(subscription, subscriber, reason=)`.
pub(crate) fn remove_subscriber(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let id = call.id(0, "subscription")?;
    let subscriber = call.id(1, "subscriber")?;
    let reason = call.kw_str("reason");
    if !call.broker.revoke(call.env, id, subscriber, reason) {
        return Err(MetaError::new(
            uris::NO_SUCH_SUBSCRIPTION,
            format!("no subscriber {subscriber} on subscription {id}"),
        ));
    }
    Ok(vec![])
}

/// Most events one `wamp.subscription.get_events` returns when the caller
/// gives no `limit` (as Crossbar).
const DEFAULT_EVENTS_LIMIT: u64 = 10;

/// `wamp.subscription.get_events(subscription, limit=10)`: the newest events
/// of a subscription whose topic has a configured history, newest first.
pub(crate) fn get_events(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let id = call.id(0, "subscription")?;
    let limit = match call.args.get(1).or_else(|| call.kwargs.get("limit")) {
        None | Some(Value::Null) => DEFAULT_EVENTS_LIMIT,
        Some(v) => v.as_u64().ok_or_else(|| {
            MetaError::new(
                uris::INVALID_ARGUMENT,
                format!("argument 1 (limit) must be a non-negative integer, found {v}"),
            )
        })?,
    };
    let sub = subscription(call, id)?;
    let (uri, policy) = (sub.uri.clone(), sub.policy);
    let allowed = call.env.members.get(call.caller).is_some_and(|m| {
        call.env
            .permissions
            .allows(&m.identity.authrole, Action::Subscribe, &uri)
    });
    if !allowed {
        return Err(MetaError::new(
            uris::NOT_AUTHORIZED,
            format!("not authorized to retrieve the event history of topic '{uri}'"),
        ));
    }
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let Some(events) = call.broker.history.newest(&uri, policy, limit) else {
        return Err(MetaError::new(
            HISTORY_UNAVAILABLE,
            format!(
                "no event history is configured for subscription {id} (topic '{uri}', match {})",
                policy.as_str()
            ),
        ));
    };
    let events = events.map(|e| e.describe(call.realm, id)).collect();
    Ok(vec![Value::List(events)])
}
