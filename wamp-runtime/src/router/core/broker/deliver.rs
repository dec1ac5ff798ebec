//! Who receives an event and with which details: publisher exclusion,
//! black/white lists, disclosure, pattern topics, retained flags.

use crate::protocol::id::Id;
use crate::protocol::options::{MatchPolicy, WireEventDetails, WirePublishOptions};
use crate::protocol::trace_context;
use crate::protocol::{Event, Message, Payload};

use super::super::output::Output;
use super::super::session::Members;
use super::publisher::Publisher;
use super::subscriptions::Subscription;
use super::tables::Broker;

/// One publication on its way to subscribers.
pub(crate) struct Publication<'a> {
    /// The concrete topic.
    pub(crate) topic: &'a str,
    /// Publication ID.
    pub(crate) id: Id,
    /// Who published (none for the router's own meta events).
    pub(crate) publisher: Option<&'a Publisher>,
    /// Whether the publisher is disclosed.
    pub(crate) disclose: bool,
    /// The PUBLISH options.
    pub(crate) options: &'a WirePublishOptions,
    /// The payload, forwarded untouched.
    pub(crate) payload: &'a Payload,
    /// The publisher waits for acknowledgements (EVENT_RECEIVED).
    pub(crate) acknowledged: bool,
}

/// Whether the options restrict receivers by list (otherwise only
/// `exclude_me` applies and no identity needs to be looked up).
fn has_lists(options: &WirePublishOptions) -> bool {
    options.exclude.is_some()
        || options.exclude_authid.is_some()
        || options.exclude_authrole.is_some()
        || options.eligible.is_some()
        || options.eligible_authid.is_some()
        || options.eligible_authrole.is_some()
}

/// Whether `session` may receive an event published with `options`.
pub(crate) fn eligible(
    members: &Members,
    session: Id,
    publisher: Option<&Publisher>,
    options: &WirePublishOptions,
) -> bool {
    if let Some(p) = publisher
        && p.session == session
        && options.exclude_me != Some(false)
    {
        return false;
    }
    if !has_lists(options) {
        return true;
    }
    let Some(member) = members.get(session) else {
        return false;
    };
    let authid = &member.identity.authid;
    let authrole = &member.identity.authrole;
    let listed = |list: &Option<Vec<String>>, value: &String| {
        list.as_ref().is_some_and(|l| l.contains(value))
    };
    let allowed = |list: &Option<Vec<String>>, value: &String| {
        list.as_ref().is_none_or(|l| l.contains(value))
    };
    let excluded = options
        .exclude
        .as_ref()
        .is_some_and(|l| l.contains(&session))
        || listed(&options.exclude_authid, authid)
        || listed(&options.exclude_authrole, authrole);
    !excluded
        && options
            .eligible
            .as_ref()
            .is_none_or(|l| l.contains(&session))
        && allowed(&options.eligible_authid, authid)
        && allowed(&options.eligible_authrole, authrole)
}

/// The details of an EVENT of `sub`.
pub(crate) fn event_details(
    sub: &Subscription,
    publication: &Publication<'_>,
    retained: bool,
) -> WireEventDetails {
    let mut details = WireEventDetails::default();
    if sub.policy != MatchPolicy::Exact {
        details.topic = Some(publication.topic.to_owned());
    }
    if publication.disclose
        && let Some(p) = publication.publisher
    {
        details.publisher = Some(p.session);
        details.publisher_authid = Some(p.authid.clone());
        details.publisher_authrole = Some(p.authrole.clone());
    }
    if retained {
        details.retained = Some(true);
    }
    if publication.acknowledged {
        details.x_acknowledged_delivery = Some(true);
    }
    let options = publication.options;
    details.enc_algo = options.enc_algo.clone();
    details.enc_key = options.enc_key.clone();
    details.enc_serializer = options.enc_serializer.clone();
    details.transaction_hash = options.transaction_hash.clone();
    // The publisher's trace context (checked), not for a retained event
    // delivered later; no other extra option.
    if !retained {
        trace_context::forward(&options.extra, &mut details.extra);
    }
    details
}

/// The EVENT of `sub` for a publication.
pub(crate) fn event(sub: &Subscription, publication: &Publication<'_>, retained: bool) -> Message {
    Message::Event(Event {
        subscription: sub.id,
        publication: publication.id,
        details: event_details(sub, publication, retained),
        payload: publication.payload.clone(),
    })
}

impl Broker {
    /// Delivers one publication to every matching subscription: one EVENT per
    /// subscription, fanned out to its eligible subscribers. Returns the
    /// receivers of an acknowledged publication (none otherwise).
    pub(crate) fn deliver(
        &self,
        members: &Members,
        out: &mut Output,
        publication: &Publication<'_>,
    ) -> Vec<Id> {
        let mut acknowledging = Vec::new();
        for sub in self.subscriptions.matching(publication.topic) {
            let receivers: Vec<Id> = sub
                .subscribers
                .iter()
                .copied()
                .filter(|s| eligible(members, *s, publication.publisher, publication.options))
                .collect();
            if publication.acknowledged {
                acknowledging.extend_from_slice(&receivers);
            }
            if !receivers.is_empty() {
                out.fanout(receivers, event(sub, publication, false));
            }
        }
        acknowledging
    }
}
