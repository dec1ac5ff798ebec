//! The table of meta procedures: URI → handler, and answering one CALL.

use crate::protocol::id::Id;
use crate::protocol::uris;
use crate::protocol::{Call, ErrorMessage, Message, MessageType, Payload, ResultMessage, Uri};

use super::call::{MetaCall, MetaError, MetaReply};
use super::{reflection, registrations, sessions, subscriptions, testaments};

/// A meta procedure: its URI and its handler.
pub(crate) struct MetaProcedure {
    /// The `wamp.*` URI.
    pub(crate) uri: &'static str,
    /// Answers one call.
    pub(crate) handler: fn(&mut MetaCall<'_, '_>) -> MetaReply,
}

const fn procedure(
    uri: &'static str,
    handler: fn(&mut MetaCall<'_, '_>) -> MetaReply,
) -> MetaProcedure {
    MetaProcedure { uri, handler }
}

/// Every meta procedure the router answers.
pub(crate) const PROCEDURES: &[MetaProcedure] = &[
    procedure("wamp.session.count", sessions::count),
    procedure("wamp.session.list", sessions::list),
    procedure("wamp.session.get", sessions::get),
    procedure("wamp.session.kill", sessions::kill_one),
    procedure("wamp.session.kill_by_authid", sessions::kill_by_authid),
    procedure("wamp.session.kill_by_authrole", sessions::kill_by_authrole),
    procedure("wamp.session.kill_all", sessions::kill_all),
    procedure("wamp.session.add_testament", testaments::add),
    procedure("wamp.session.flush_testaments", testaments::flush),
    procedure("wamp.registration.list", registrations::list),
    procedure("wamp.registration.lookup", registrations::lookup),
    procedure("wamp.registration.match", registrations::match_),
    procedure("wamp.registration.get", registrations::get),
    procedure(
        "wamp.registration.list_callees",
        registrations::list_callees,
    ),
    procedure(
        "wamp.registration.count_callees",
        registrations::count_callees,
    ),
    procedure(
        "wamp.registration.remove_callee",
        registrations::remove_callee,
    ),
    procedure("wamp.subscription.list", subscriptions::list),
    procedure("wamp.subscription.lookup", subscriptions::lookup),
    procedure("wamp.subscription.match", subscriptions::match_),
    procedure("wamp.subscription.get", subscriptions::get),
    procedure(
        "wamp.subscription.list_subscribers",
        subscriptions::list_subscribers,
    ),
    procedure(
        "wamp.subscription.count_subscribers",
        subscriptions::count_subscribers,
    ),
    procedure(
        "wamp.subscription.remove_subscriber",
        subscriptions::remove_subscriber,
    ),
    procedure("wamp.subscription.get_events", subscriptions::get_events),
    procedure("wamp.reflection.procedure.list", reflection::procedure_list),
    procedure(
        "wamp.reflection.procedure.describe",
        reflection::procedure_describe,
    ),
    procedure("wamp.reflection.topic.list", reflection::topic_list),
    procedure("wamp.reflection.topic.describe", reflection::topic_describe),
    procedure("wamp.reflection.catalog", reflection::catalog_document),
];

/// The meta procedure of a URI.
fn find(uri: &str) -> Option<&'static MetaProcedure> {
    PROCEDURES.iter().find(|p| p.uri == uri)
}

/// Answers a CALL of a `wamp.*` procedure: RESULT or ERROR to the caller.
pub(crate) fn answer(call: &mut MetaCall<'_, '_>, msg: &Call) -> Message {
    let procedure = msg.procedure.as_str();
    let reply = match find(procedure) {
        Some(p) => (p.handler)(call),
        None => Err(MetaError::new(
            uris::NO_SUCH_PROCEDURE,
            format!("no callee registered for procedure <{procedure}>"),
        )),
    };
    message(msg.request, reply)
}

/// The RESULT or ERROR of a meta call.
fn message(request: Id, reply: MetaReply) -> Message {
    match reply {
        Ok(results) => Message::Result(ResultMessage {
            request,
            details: Default::default(),
            payload: Payload::from_values(results, Default::default()),
        }),
        Err(e) => Message::Error(ErrorMessage {
            request_type: MessageType::Call,
            request,
            details: Default::default(),
            error: Uri::from_trusted(e.uri),
            payload: Payload::from_values(
                vec![crate::protocol::Value::String(e.message)],
                Default::default(),
            ),
        }),
    }
}
