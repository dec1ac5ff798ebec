//! What a running component is doing ([`ComponentStatus`]) and what went
//! wrong ([`ComponentError`], at a [`Stage`]).

use std::fmt;
use std::time::Duration;

use crate::client::error::Error;
use crate::protocol::Id;

/// The step of a component's life that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// Checking the component before connecting ([`Component::check`](super::Component::check),
    /// at least one transport).
    Check,
    /// Connecting the transport (TCP, TLS, WebSocket or RawSocket handshake).
    Connect {
        /// The transport's name (its URL).
        transport: String,
    },
    /// Joining the realm (HELLO to WELCOME, authentication included).
    Join {
        /// The transport's name (its URL).
        transport: String,
    },
    /// Registering a procedure.
    Register {
        /// The procedure URI.
        procedure: String,
    },
    /// Subscribing to a topic.
    Subscribe {
        /// The topic URI.
        topic: String,
    },
    /// A joined session ended: transport lost, keepalive timeout, or closed
    /// by the router.
    Lost {
        /// The session's ID.
        session: Id,
    },
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stage::Check => f.write_str("checking the component"),
            Stage::Connect { transport } => write!(f, "connecting to {transport}"),
            Stage::Join { transport } => write!(f, "joining over {transport}"),
            Stage::Register { procedure } => write!(f, "registering {procedure}"),
            Stage::Subscribe { topic } => write!(f, "subscribing to {topic}"),
            Stage::Lost { session } => write!(f, "session {session}"),
        }
    }
}

/// A failure of a component, as given to
/// [`ComponentBuilder::on_error`](super::ComponentBuilder::on_error) hooks and
/// in [`ComponentStatus::Retrying`] / [`ComponentStatus::Stopped`].
#[derive(Debug, Clone)]
pub struct ComponentError {
    /// The component's name.
    pub component: String,
    /// What failed.
    pub stage: Stage,
    /// The error (its URI says why, e.g. `wamp.error.procedure_already_exists`).
    pub error: Error,
    /// When the next attempt is; `None` when there is none (the component
    /// gives up and stops with an error).
    pub retry_in: Option<Duration>,
}

impl fmt::Display for ComponentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "component {}: {} failed: {}",
            self.component, self.stage, self.error
        )?;
        match self.retry_in {
            Some(delay) => write!(f, " (retrying in {delay:.1?})"),
            None => f.write_str(" (giving up)"),
        }
    }
}

impl std::error::Error for ComponentError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// What a component is doing, as seen through
/// [`Component::watch`](super::Component::watch).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ComponentStatus {
    /// Not started.
    Idle,
    /// Connecting and joining over a transport.
    Connecting {
        /// The transport's name (its URL).
        transport: String,
        /// Attempts in a row on this transport, counting this one (1 first).
        attempt: u32,
    },
    /// Joined and serving. `missing` lists the procedures and topics the
    /// router refused so far: they are retried in the background (see
    /// [`ComponentBuilder::register_retry`](super::ComponentBuilder::register_retry))
    /// while everything else is served.
    Joined {
        /// The session's ID.
        session: Id,
        /// URIs of procedures and topics not registered or subscribed yet.
        missing: Vec<String>,
        /// URIs of procedures and topics the router took away during this
        /// session (e.g. another instance took a procedure over with
        /// `force_reregister`): not registered or subscribed again until the
        /// next session.
        revoked: Vec<String>,
    },
    /// Waiting before connecting again after `error`.
    Retrying {
        /// The wait.
        after: Duration,
        /// What failed.
        error: ComponentError,
    },
    /// Ended: stopped with its [`StopHandle`](super::StopHandle) (`error` is
    /// `None`), or gave up after `error`.
    Stopped {
        /// Why it gave up, if it did.
        error: Option<ComponentError>,
    },
}

impl ComponentStatus {
    /// Whether the component is joined with nothing missing nor revoked.
    pub fn is_serving_all(&self) -> bool {
        matches!(self, ComponentStatus::Joined { missing, revoked, .. }
            if missing.is_empty() && revoked.is_empty())
    }

    /// The session ID while joined.
    pub fn session(&self) -> Option<Id> {
        match self {
            ComponentStatus::Joined { session, .. } => Some(*session),
            _ => None,
        }
    }
}
