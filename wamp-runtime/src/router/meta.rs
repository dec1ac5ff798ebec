//! The meta API: procedures under `wamp.session.*`, `wamp.registration.*`,
//! `wamp.subscription.*` and `wamp.reflection.*` answered by the router itself.

use std::sync::Arc;

use super::handle::SessionHandle;
use super::realm::{Realm, lock};
use super::{broker, dealer, uris};
use crate::protocol::id::Id;
use crate::protocol::options::MatchPolicy;
use crate::protocol::roles::{Role, feature};
use crate::protocol::*;

type Reply = Result<Vec<Value>, (&'static str, String)>;

fn arg_id(args: &[Value], i: usize, name: &str) -> Result<Id, (&'static str, String)> {
    args.get(i).and_then(Value::as_u64).ok_or_else(|| {
        (
            uris::INVALID_ARGUMENT,
            format!("argument {i} ({name}) must be an ID"),
        )
    })
}

fn arg_str<'a>(args: &'a [Value], i: usize, name: &str) -> Result<&'a str, (&'static str, String)> {
    args.get(i).and_then(Value::as_str).ok_or_else(|| {
        (
            uris::INVALID_ARGUMENT,
            format!("argument {i} ({name}) must be a string"),
        )
    })
}

/// The `match` of a lookup's options: the second positional argument, as
/// Crossbar reads it and Autobahn|Python has to pass it (`call()` keeps its own
/// `options=` keyword), or the `options` keyword argument.
fn match_option(args: &[Value], kwargs: &Dict) -> Result<MatchPolicy, (&'static str, String)> {
    let options = args
        .get(1)
        .and_then(Value::as_dict)
        .or_else(|| kwargs.get("options").and_then(Value::as_dict));
    match options.and_then(|o| o.get("match")) {
        None => Ok(MatchPolicy::Exact),
        Some(v) => v
            .as_str()
            .and_then(MatchPolicy::parse)
            .ok_or_else(|| (uris::INVALID_ARGUMENT, format!("invalid match policy {v}"))),
    }
}

fn ids(list: impl IntoIterator<Item = Id>) -> Value {
    Value::List(list.into_iter().map(Value::UInt).collect())
}

/// IDs grouped by match policy: `{"exact": [...], "prefix": [...], "wildcard": [...]}`.
fn by_policy(items: impl Iterator<Item = (MatchPolicy, Id)>) -> Value {
    let mut groups: [Vec<Id>; 3] = Default::default();
    for (policy, id) in items {
        let i = match policy {
            MatchPolicy::Exact => 0,
            MatchPolicy::Prefix => 1,
            MatchPolicy::Wildcard => 2,
        };
        groups[i].push(id);
    }
    let d = ["exact", "prefix", "wildcard"]
        .into_iter()
        .zip(groups)
        .map(|(name, list)| (name.to_owned(), ids(list)))
        .collect();
    Value::Dict(d)
}

fn authroles_filter(args: &[Value]) -> Option<Vec<String>> {
    args.first().and_then(Value::as_list).map(|l| {
        l.iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    })
}

fn sessions(realm: &Realm, args: &[Value]) -> Vec<Arc<SessionHandle>> {
    let roles = authroles_filter(args);
    realm
        .sessions()
        .into_iter()
        .filter(|s| {
            roles
                .as_ref()
                .is_none_or(|r| r.contains(&s.identity.authrole))
        })
        .collect()
}

fn kill_message(kwargs: &Dict) -> Result<(Uri, Option<String>), (&'static str, String)> {
    let reason = match kwargs.get("reason") {
        None => Uri::from_trusted(uris::KILLED),
        Some(v) => v
            .as_str()
            .and_then(|s| Uri::new(s).ok())
            .ok_or_else(|| (uris::INVALID_URI, format!("invalid reason URI {v}")))?,
    };
    let message = kwargs
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok((reason, message))
}

fn kill(session: &SessionHandle, reason: &Uri, message: &Option<String>) {
    session.send(&Message::Goodbye(Goodbye {
        details: options::CloseDetails {
            message: message.clone(),
            ..Default::default()
        },
        reason: reason.clone(),
    }));
    session.kill();
}

fn dispatch(
    realm: &Realm,
    caller: &SessionHandle,
    procedure: &str,
    args: &[Value],
    kwargs: &Dict,
) -> Reply {
    if let Some(reply) = super::reflection::dispatch(realm, procedure, args) {
        return reply;
    }
    match procedure {
        "wamp.session.count" => Ok(vec![Value::UInt(sessions(realm, args).len() as u64)]),
        "wamp.session.list" => Ok(vec![ids(sessions(realm, args).iter().map(|s| s.id))]),
        "wamp.session.get" => {
            let id = arg_id(args, 0, "session")?;
            let s = realm.session(id).ok_or_else(|| {
                (
                    uris::NO_SUCH_SESSION,
                    format!("no session with ID {id} exists on this router"),
                )
            })?;
            Ok(vec![s.describe()])
        }
        "wamp.session.kill" => {
            let id = arg_id(args, 0, "session")?;
            if id == caller.id {
                return Err((
                    uris::INVALID_ARGUMENT,
                    "a session cannot kill itself".into(),
                ));
            }
            let (reason, message) = kill_message(kwargs)?;
            let s = realm.session(id).ok_or_else(|| {
                (
                    uris::NO_SUCH_SESSION,
                    format!("no session with ID {id} exists on this router"),
                )
            })?;
            kill(&s, &reason, &message);
            Ok(vec![])
        }
        "wamp.session.kill_by_authid"
        | "wamp.session.kill_by_authrole"
        | "wamp.session.kill_all" => {
            let (reason, message) = kill_message(kwargs)?;
            let by_authid = procedure.ends_with("authid");
            let needle = if procedure.ends_with("kill_all") {
                None
            } else {
                Some(arg_str(
                    args,
                    0,
                    if by_authid { "authid" } else { "authrole" },
                )?)
            };
            let mut killed = Vec::new();
            for s in realm.sessions() {
                let hit = match needle {
                    None => true,
                    Some(n) if by_authid => s.identity.authid == n,
                    Some(n) => s.identity.authrole == n,
                };
                if hit && s.id != caller.id {
                    kill(&s, &reason, &message);
                    killed.push(s.id);
                }
            }
            if procedure.ends_with("kill_all") {
                Ok(vec![Value::UInt(killed.len() as u64)])
            } else {
                Ok(vec![ids(killed)])
            }
        }
        "wamp.registration.list" => {
            let dealer = lock(&realm.dealer);
            Ok(vec![by_policy(
                dealer.registrations.values().map(|r| (r.policy, r.id)),
            )])
        }
        "wamp.registration.lookup" => {
            let uri = arg_str(args, 0, "procedure")?;
            let policy = match_option(args, kwargs)?;
            Ok(vec![
                lock(&realm.dealer)
                    .find(uri, policy)
                    .map_or(Value::Null, Value::UInt),
            ])
        }
        "wamp.registration.match" => {
            let uri = arg_str(args, 0, "procedure")?;
            Ok(vec![
                lock(&realm.dealer)
                    .lookup(uri)
                    .map_or(Value::Null, Value::UInt),
            ])
        }
        "wamp.registration.get" => {
            let id = arg_id(args, 0, "registration")?;
            let dealer = lock(&realm.dealer);
            let r = dealer.registrations.get(&id).ok_or_else(|| {
                (
                    uris::NO_SUCH_REGISTRATION,
                    format!("no registration with ID {id} exists on this dealer"),
                )
            })?;
            Ok(vec![dealer::describe(r)])
        }
        "wamp.registration.list_callees" | "wamp.registration.count_callees" => {
            let id = arg_id(args, 0, "registration")?;
            let dealer = lock(&realm.dealer);
            let r = dealer.registrations.get(&id).ok_or_else(|| {
                (
                    uris::NO_SUCH_REGISTRATION,
                    format!("no registration with ID {id} exists on this dealer"),
                )
            })?;
            if procedure.ends_with("count_callees") {
                Ok(vec![Value::UInt(r.callees.len() as u64)])
            } else {
                Ok(vec![ids(r.callees.iter().map(|c| c.session.id))])
            }
        }
        "wamp.registration.remove_callee" => {
            let id = arg_id(args, 0, "registration")?;
            let callee = arg_id(args, 1, "callee")?;
            let reason = kwargs
                .get("reason")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let mut events = Vec::new();
            let removed = lock(&realm.dealer).remove_callee(id, callee, &mut events);
            if !removed {
                return Err((
                    uris::NO_SUCH_REGISTRATION,
                    format!("no callee {callee} on registration {id}"),
                ));
            }
            if let Some(s) = realm.session(callee)
                && s.has_feature(Role::Callee, feature::REGISTRATION_REVOCATION)
            {
                s.send(&Message::Unregistered(Unregistered {
                    request: 0,
                    details: Some(options::UnregisteredDetails {
                        registration: Some(id),
                        reason,
                        ..Default::default()
                    }),
                }));
            }
            realm.publish_meta_events(events);
            Ok(vec![])
        }
        "wamp.subscription.remove_subscriber" => {
            let id = arg_id(args, 0, "subscription")?;
            let subscriber = arg_id(args, 1, "subscriber")?;
            let reason = kwargs
                .get("reason")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let mut events = Vec::new();
            let removed = lock(&realm.broker).remove_subscriber(id, subscriber, &mut events);
            if !removed {
                return Err((
                    uris::NO_SUCH_SUBSCRIPTION,
                    format!("no subscriber {subscriber} on subscription {id}"),
                ));
            }
            if let Some(s) = realm.session(subscriber)
                && s.has_feature(Role::Subscriber, feature::SUBSCRIPTION_REVOCATION)
            {
                s.send(&Message::Unsubscribed(Unsubscribed {
                    request: 0,
                    details: Some(options::UnsubscribedDetails {
                        subscription: Some(id),
                        reason,
                        ..Default::default()
                    }),
                }));
            }
            realm.publish_meta_events(events);
            Ok(vec![])
        }
        "wamp.subscription.list" => {
            let broker = lock(&realm.broker);
            Ok(vec![by_policy(
                broker.subscriptions.values().map(|s| (s.policy, s.id)),
            )])
        }
        "wamp.subscription.lookup" => {
            let uri = arg_str(args, 0, "topic")?;
            let policy = match_option(args, kwargs)?;
            Ok(vec![
                lock(&realm.broker)
                    .find(uri, policy)
                    .map_or(Value::Null, Value::UInt),
            ])
        }
        "wamp.subscription.match" => {
            let uri = arg_str(args, 0, "topic")?;
            let found = lock(&realm.broker).matching_ids(uri);
            Ok(vec![if found.is_empty() {
                Value::Null
            } else {
                ids(found)
            }])
        }
        "wamp.subscription.get" => {
            let id = arg_id(args, 0, "subscription")?;
            let broker = lock(&realm.broker);
            let s = broker.subscriptions.get(&id).ok_or_else(|| {
                (
                    uris::NO_SUCH_SUBSCRIPTION,
                    format!("no subscription with ID {id} exists on this broker"),
                )
            })?;
            Ok(vec![broker::describe(s)])
        }
        "wamp.subscription.list_subscribers" | "wamp.subscription.count_subscribers" => {
            let id = arg_id(args, 0, "subscription")?;
            let broker = lock(&realm.broker);
            let s = broker.subscriptions.get(&id).ok_or_else(|| {
                (
                    uris::NO_SUCH_SUBSCRIPTION,
                    format!("no subscription with ID {id} exists on this broker"),
                )
            })?;
            if procedure.ends_with("count_subscribers") {
                Ok(vec![Value::UInt(s.subscribers.len() as u64)])
            } else {
                Ok(vec![ids(s.subscribers.iter().map(|x| x.id))])
            }
        }
        _ => Err((
            uris::NO_SUCH_PROCEDURE,
            format!("no callee registered for procedure <{procedure}>"),
        )),
    }
}

/// Answers a CALL of a `wamp.*` procedure.
pub(crate) fn call(realm: &Arc<Realm>, caller: &Arc<SessionHandle>, msg: Call) {
    let args = msg.payload.args_values().unwrap_or_default();
    let kwargs = msg.payload.kwargs_values().unwrap_or_default();
    let reply = match dispatch(realm, caller, msg.procedure.as_str(), &args, &kwargs) {
        Ok(results) => Message::Result(ResultMessage {
            request: msg.request,
            details: Default::default(),
            payload: Payload::encode_args(caller.serializer, &results).unwrap_or_default(),
        }),
        Err((uri, message)) => Message::Error(ErrorMessage {
            request_type: MessageType::Call,
            request: msg.request,
            details: Default::default(),
            error: Uri::from_trusted(uri),
            payload: Payload::encode_args(caller.serializer, &[message]).unwrap_or_default(),
        }),
    };
    caller.send(&reply);
}
