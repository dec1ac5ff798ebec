//! What a component is made of ([`Inner`], shared by the builder and the
//! run loop), and how it reports failures and statuses.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use tokio::sync::watch;

use super::status::{ComponentError, ComponentStatus, Stage};
use super::transport::{RetryPolicy, TransportConfig};
use crate::client::collect::Source;
use crate::client::join::JoinConfig;
use crate::client::options::{RegisterOptions, SubscribeOptions};
use crate::client::session::{CloseReason, EventHandler, ProcedureHandler, Session};
use crate::protocol::uris;

pub(super) type JoinHook = Arc<dyn Fn(Session) -> BoxFuture<'static, ()> + Send + Sync>;
pub(super) type LeaveHook = Arc<dyn Fn(CloseReason) -> BoxFuture<'static, ()> + Send + Sync>;
pub(super) type ErrorHook = Arc<dyn Fn(&ComponentError) + Send + Sync>;

/// A procedure to register on every session.
pub(super) struct ProcedureEntry {
    pub(super) uri: String,
    pub(super) options: RegisterOptions,
    pub(super) handler: ProcedureHandler,
    pub(super) source: Source,
}

/// A topic to subscribe to on every session.
pub(super) struct TopicEntry {
    pub(super) uri: String,
    pub(super) options: SubscribeOptions,
    pub(super) handler: EventHandler,
    pub(super) source: Source,
}

/// Everything a component is made of.
pub(super) struct Inner {
    pub(super) name: String,
    pub(super) transports: Vec<TransportConfig>,
    pub(super) join: JoinConfig,
    pub(super) procedures: Vec<ProcedureEntry>,
    pub(super) subscriptions: Vec<TopicEntry>,
    pub(super) on_join: Vec<JoinHook>,
    pub(super) on_leave: Vec<LeaveHook>,
    pub(super) on_error: Vec<ErrorHook>,
    pub(super) register_retry: RetryPolicy,
    pub(super) force_reregister: bool,
    pub(super) status: watch::Sender<ComponentStatus>,
}

impl Inner {
    pub(super) fn new(realm: String) -> Self {
        Inner {
            name: "component".into(),
            transports: Vec::new(),
            join: JoinConfig::new(realm),
            procedures: Vec::new(),
            subscriptions: Vec::new(),
            on_join: Vec::new(),
            on_leave: Vec::new(),
            on_error: Vec::new(),
            register_retry: RetryPolicy::registration(),
            force_reregister: false,
            status: watch::Sender::new(ComponentStatus::Idle),
        }
    }
}

impl Inner {
    /// Logs a failure and gives it to the `on_error` hooks.
    pub(super) fn report(&self, e: &ComponentError) {
        let component = &self.name;
        let error = &e.error;
        match (&e.stage, e.retry_in) {
            (_, None) => tracing::error!(%component, stage = %e.stage, %error, "{e}"),
            (Stage::Register { procedure }, Some(delay))
                if error.is(uris::PROCEDURE_ALREADY_EXISTS)
                    || error.is(uris::PROCEDURE_EXISTS_WITH_DIFFERENT_POLICY) =>
            {
                tracing::warn!(
                    %component, %procedure, %error, retry_in = ?delay,
                    "procedure {procedure} is held by another session (another instance of this \
                     service, maybe one that hangs): serving everything else and retrying in \
                     {delay:.1?}; to take it over at once, register with force_reregister (and \
                     the same authid), or use a shared invoke policy to serve it together",
                )
            }
            (_, Some(delay)) => {
                tracing::warn!(%component, stage = %e.stage, %error, retry_in = ?delay, "{e}")
            }
        }
        for hook in &self.on_error {
            hook(e);
        }
    }

    pub(super) fn set_status(&self, status: ComponentStatus) {
        self.status.send_replace(status);
    }
}
