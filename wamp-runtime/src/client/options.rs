//! User-level options of calls, registrations, publications and subscriptions.
//! They turn into the protocol's option dicts (`wamp::protocol::options`).

use std::time::Duration;

use crate::protocol::options as wire;
pub use crate::protocol::options::{CancelMode, InvokePolicy, MatchPolicy};

/// Options of a call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallOptions {
    /// Router-side timeout, sent in milliseconds; also the local deadline unless
    /// [`CallOptions::deadline`] is set.
    pub timeout: Option<Duration>,
    /// Local deadline: the call fails with `wamp.error.timeout` (and a CANCEL
    /// is sent) when no final answer arrived by then, whatever the router does.
    pub deadline: Option<Duration>,
    /// Ask the router to disclose this caller to the callee.
    pub disclose_me: bool,
    /// Mode of the CANCEL sent when the call is dropped or times out locally
    /// (`None`: no mode, the router decides).
    pub cancel_mode: Option<CancelMode>,
}

impl CallOptions {
    /// Sets the timeout (router-side, and local deadline).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets a local deadline only.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Asks for caller disclosure.
    pub fn disclose_me(mut self) -> Self {
        self.disclose_me = true;
        self
    }

    /// The local deadline in force.
    pub fn local_deadline(&self) -> Option<Duration> {
        self.deadline.or(self.timeout)
    }

    pub(crate) fn to_wire(&self, receive_progress: bool) -> wire::WireCallOptions {
        wire::WireCallOptions {
            timeout: self
                .timeout
                .map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX).max(1)),
            receive_progress: receive_progress.then_some(true),
            disclose_me: self.disclose_me.then_some(true),
            ..wire::WireCallOptions::default()
        }
    }
}

/// Options of a registration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegisterOptions {
    /// How the procedure URI is matched (default exact).
    pub match_: Option<MatchPolicy>,
    /// Which callee of a shared registration gets a call (default single).
    pub invoke: Option<InvokePolicy>,
    /// Most invocations this callee runs at once; also enforced locally.
    pub concurrency: Option<u32>,
    /// Take over an existing registration (Crossbar): the router removes its
    /// callees and gives the procedure to this session, only when every
    /// current callee has this session's authid; otherwise the registration
    /// fails as usual (`wamp.error.procedure_already_exists`).
    pub force_reregister: bool,
    /// Ask the router to disclose callers.
    pub disclose_caller: bool,
    /// The handler takes the call's input in chunks (progressive call
    /// invocations, from [`InvocationContext::input`](crate::client::InvocationContext::input)).
    /// Local only; a progressive INVOCATION of a procedure without it is
    /// answered with `wamp.error.feature_not_supported`.
    pub progressive_input: bool,
}

impl RegisterOptions {
    /// Sets the match policy.
    pub fn match_policy(mut self, policy: MatchPolicy) -> Self {
        self.match_ = Some(policy);
        self
    }

    /// Sets the invoke policy.
    pub fn invoke(mut self, policy: InvokePolicy) -> Self {
        self.invoke = Some(policy);
        self
    }

    /// Sets the concurrency limit.
    pub fn concurrency(mut self, limit: u32) -> Self {
        self.concurrency = Some(limit);
        self
    }

    /// Sets `progressive_input`: the handler takes its input in chunks.
    pub fn progressive_input(mut self) -> Self {
        self.progressive_input = true;
        self
    }

    /// Sets `force_reregister`.
    pub fn force_reregister(mut self) -> Self {
        self.force_reregister = true;
        self
    }

    pub(crate) fn to_wire(&self) -> wire::WireRegisterOptions {
        wire::WireRegisterOptions {
            match_: self.match_.filter(|m| *m != MatchPolicy::Exact),
            invoke: self.invoke.filter(|i| *i != InvokePolicy::Single),
            concurrency: self.concurrency.map(u64::from),
            force_reregister: self.force_reregister.then_some(true),
            disclose_caller: self.disclose_caller.then_some(true),
            ..wire::WireRegisterOptions::default()
        }
    }
}

/// Options of a publication.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PublishOptions {
    /// Wait for the router's PUBLISHED (or ERROR).
    pub acknowledge: bool,
    /// Whether the publisher is excluded from receiving (router default: true).
    pub exclude_me: Option<bool>,
    /// Session IDs that must not receive the event.
    pub exclude: Vec<u64>,
    /// Authids that must not receive the event.
    pub exclude_authid: Vec<String>,
    /// Authroles that must not receive the event.
    pub exclude_authrole: Vec<String>,
    /// Only these session IDs may receive the event.
    pub eligible: Vec<u64>,
    /// Only these authids may receive the event.
    pub eligible_authid: Vec<String>,
    /// Only these authroles may receive the event.
    pub eligible_authrole: Vec<String>,
    /// Ask the broker to retain the event.
    pub retain: bool,
    /// Ask the broker to disclose the publisher.
    pub disclose_me: bool,
    /// Ask each subscriber to acknowledge the event once its handler
    /// succeeded (`x_acknowledged_delivery`, an Autobahn|Crossbar extension);
    /// the publication IDs acknowledged arrive on
    /// [`Session::event_acknowledgements`](crate::Session::event_acknowledgements).
    pub acknowledged_delivery: bool,
}

impl PublishOptions {
    /// Asks for acknowledgement.
    pub fn acknowledge(mut self) -> Self {
        self.acknowledge = true;
        self
    }

    /// Sets `exclude_me`.
    pub fn exclude_me(mut self, exclude: bool) -> Self {
        self.exclude_me = Some(exclude);
        self
    }

    /// Asks for retention.
    pub fn retain(mut self) -> Self {
        self.retain = true;
        self
    }

    /// Asks for publisher disclosure.
    pub fn disclose_me(mut self) -> Self {
        self.disclose_me = true;
        self
    }

    /// Asks for acknowledged delivery: one acknowledgement per subscriber
    /// that processed the event. Implies [`PublishOptions::acknowledge`], as
    /// the publication ID is what acknowledgements name.
    pub fn acknowledged_delivery(mut self) -> Self {
        self.acknowledged_delivery = true;
        self.acknowledge = true;
        self
    }

    pub(crate) fn to_wire(&self) -> wire::WirePublishOptions {
        fn list<T: Clone>(v: &[T]) -> Option<Vec<T>> {
            (!v.is_empty()).then(|| v.to_vec())
        }
        wire::WirePublishOptions {
            acknowledge: self.acknowledge.then_some(true),
            exclude_me: self.exclude_me,
            exclude: list(&self.exclude),
            exclude_authid: list(&self.exclude_authid),
            exclude_authrole: list(&self.exclude_authrole),
            eligible: list(&self.eligible),
            eligible_authid: list(&self.eligible_authid),
            eligible_authrole: list(&self.eligible_authrole),
            retain: self.retain.then_some(true),
            disclose_me: self.disclose_me.then_some(true),
            extra: if self.acknowledged_delivery {
                [(
                    "x_acknowledged_delivery".to_owned(),
                    crate::protocol::Value::Bool(true),
                )]
                .into_iter()
                .collect()
            } else {
                Default::default()
            },
            ..wire::WirePublishOptions::default()
        }
    }
}

/// Options of a subscription.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubscribeOptions {
    /// How the topic is matched (default exact).
    pub match_: Option<MatchPolicy>,
    /// Deliver the retained event right away.
    pub get_retained: bool,
}

impl SubscribeOptions {
    /// Sets the match policy.
    pub fn match_policy(mut self, policy: MatchPolicy) -> Self {
        self.match_ = Some(policy);
        self
    }

    /// Asks for the retained event.
    pub fn get_retained(mut self) -> Self {
        self.get_retained = true;
        self
    }

    pub(crate) fn to_wire(&self) -> wire::WireSubscribeOptions {
        wire::WireSubscribeOptions {
            match_: self.match_.filter(|m| *m != MatchPolicy::Exact),
            get_retained: self.get_retained.then_some(true),
            ..wire::WireSubscribeOptions::default()
        }
    }
}
