//! The router's metrics through the `metrics` facade (`wamp_router_*`,
//! described in the README): each realm's shell counts what goes into its
//! core and what comes out ([`RealmMetrics`]), connections count their
//! bytes and ABORTs, outboxes their bytes ([`global`]). With the `metrics`
//! feature the admin listener installs a Prometheus recorder and serves it
//! at `/metrics`; without it every handle is a no-op.
//!
//! Peers choose URIs, so label values are bounded ([`labels`]).

#[cfg(feature = "metrics")]
mod describe;
pub(crate) mod global;
mod handles;
pub(crate) mod labels;
mod realm;
#[cfg(feature = "metrics")]
mod recorder;

pub(crate) use global::{aborted, outbox_bytes, slow_consumer_disconnected, transport_bytes};
pub(crate) use handles::{Counter, Gauge};
pub(crate) use realm::{RealmMetrics, RealmView};

/// Installs the Prometheus recorder if nobody has yet; whether `/metrics`
/// can render.
pub(crate) fn install() -> bool {
    #[cfg(feature = "metrics")]
    {
        recorder::install().is_some()
    }
    #[cfg(not(feature = "metrics"))]
    {
        false
    }
}

/// The Prometheus text exposition of every metric, or `None` when the
/// router's recorder is not installed (another one was, or the `metrics`
/// feature is off).
pub(crate) fn render() -> Option<String> {
    #[cfg(feature = "metrics")]
    {
        recorder::render()
    }
    #[cfg(not(feature = "metrics"))]
    {
        None
    }
}
