//! `wamp.session.add_testament` and `wamp.session.flush_testaments`.

use crate::protocol::options::WirePublishOptions;
use crate::protocol::uris;
use crate::protocol::{Dict, Message, Payload, Publish, Uri, Value};

use super::super::testament::{self, MAX_TESTAMENT_BYTES, MAX_TESTAMENTS, Refused, Scope};
use super::call::{MetaCall, MetaError, MetaReply};

impl MetaCall<'_, '_> {
    /// Argument `name`: positional argument `i` when given (and not null),
    /// else the keyword argument of that name.
    fn arg(&self, i: usize, name: &str) -> Option<&Value> {
        self.args
            .get(i)
            .filter(|v| !matches!(v, Value::Null))
            .or_else(|| self.kwargs.get(name).filter(|v| !matches!(v, Value::Null)))
    }

    /// The `scope` argument at position `i`: `destroyed` (default) or `detached`.
    fn scope(&self, i: usize) -> Result<Scope, MetaError> {
        match self.arg(i, "scope") {
            None => Ok(Scope::Destroyed),
            Some(v) => v.as_str().and_then(Scope::parse).ok_or_else(|| {
                MetaError::new(
                    uris::INVALID_ARGUMENT,
                    format!("unknown testament scope {v}: must be \"destroyed\" or \"detached\""),
                )
            }),
        }
    }
}

fn invalid(message: String) -> MetaError {
    MetaError::new(uris::INVALID_ARGUMENT, message)
}

/// `wamp.session.add_testament(topic, args, kwargs, publish_options=, scope=)`:
/// returns an ID for the testament.
pub(crate) fn add(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let topic = call
        .arg(0, "topic")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("argument 0 (topic) must be a string".into()))?;
    let topic = Uri::new(topic).map_err(|_| {
        MetaError::new(
            uris::INVALID_URI,
            format!("testament topic '{topic}' is not a valid URI"),
        )
    })?;
    if topic.as_str().starts_with("wamp.") {
        return Err(MetaError::new(
            uris::INVALID_URI,
            format!("testament to restricted topic '{}'", topic.as_str()),
        ));
    }
    let args = match call.arg(1, "args") {
        None => Vec::new(),
        Some(Value::List(l)) => l.clone(),
        Some(v) => {
            return Err(invalid(format!(
                "argument 1 (args) must be a list, found {v}"
            )));
        }
    };
    let kwargs = match call.arg(2, "kwargs") {
        None => Dict::new(),
        Some(Value::Dict(d)) => d.clone(),
        Some(v) => {
            return Err(invalid(format!(
                "argument 2 (kwargs) must be a dict, found {v}"
            )));
        }
    };
    let options = match call.arg(3, "publish_options") {
        None => WirePublishOptions::default(),
        Some(Value::Dict(d)) => WirePublishOptions::from_dict(d.clone(), "PUBLISH", "Options")
            .map_err(|e| invalid(format!("publish_options: {e}")))?,
        Some(v) => {
            return Err(invalid(format!(
                "argument 3 (publish_options) must be a dict, found {v}"
            )));
        }
    };
    let scope = call.scope(4)?;
    let options = WirePublishOptions {
        acknowledge: None,
        exclude_me: None,
        ..options
    };
    let payload = Payload::from_values(args, kwargs);
    let Some(member) = call.env.members.get_mut(call.caller) else {
        return Err(MetaError::new(uris::NO_SUCH_SESSION, "the caller left"));
    };
    let publish = Message::Publish(Publish {
        request: 1,
        options: options.clone(),
        topic: topic.clone(),
        payload: payload.clone(),
    });
    let bytes = member
        .serializer
        .encode(&publish)
        .map(|frame| frame.len())
        .map_err(|e| invalid(format!("the testament cannot be encoded: {e}")))?;
    let added = member.testaments.add(
        scope,
        testament::Testament {
            topic,
            options,
            payload,
            bytes,
        },
    );
    match added {
        Ok(()) => {}
        Err(Refused::TooMany) => {
            return Err(MetaError::new(
                uris::LIMIT_EXCEEDED,
                format!("a session may keep at most {MAX_TESTAMENTS} testaments"),
            ));
        }
        Err(Refused::TooLarge(n)) => {
            return Err(MetaError::new(
                uris::LIMIT_EXCEEDED,
                format!(
                    "testament of {n} bytes refused: a session's testaments may take at most {MAX_TESTAMENT_BYTES} bytes"
                ),
            ));
        }
    }
    let id = crate::router::core::broker::publication_id(call.env.rng);
    Ok(vec![Value::UInt(id)])
}

/// `wamp.session.flush_testaments(scope=)`: forgets the caller's testaments
/// of a scope and returns how many there were.
pub(crate) fn flush(call: &mut MetaCall<'_, '_>) -> MetaReply {
    let scope = call.scope(0)?;
    let Some(member) = call.env.members.get_mut(call.caller) else {
        return Err(MetaError::new(uris::NO_SUCH_SESSION, "the caller left"));
    };
    Ok(vec![Value::UInt(member.testaments.flush(scope) as u64)])
}
