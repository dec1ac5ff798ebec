//! Metric handles of the router: the `metrics` facade's counters, gauges and
//! histograms with the `metrics` feature, do-nothing stand-ins without it.
//! Handles are made once per label set and kept (per realm, per
//! registration, per transport), so recording is an atomic add, never a
//! lookup or an allocation.
//!
//! Handles made before a recorder is installed are the facade's no-ops:
//! [`generation`] changes when the router's own recorder is installed, and
//! whoever keeps handles makes them again then.

use std::sync::atomic::{AtomicU64, Ordering};

#[cfg(feature = "metrics")]
pub(crate) use ::metrics::{Counter, Gauge, Histogram};

static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Changes whenever a recorder is installed by the router: handles kept
/// from an older generation record nothing and must be made again.
pub(crate) fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// Tells handle keepers that a recorder was installed.
#[cfg(feature = "metrics")]
pub(crate) fn bump_generation() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

/// Labels of one metric: static names, owned values.
pub(crate) type Labels<'a> = &'a [(&'static str, &'a str)];

#[cfg(feature = "metrics")]
fn key(name: &'static str, labels: Labels<'_>) -> ::metrics::Key {
    let labels: Vec<::metrics::Label> = labels
        .iter()
        .map(|(k, v)| ::metrics::Label::new(*k, (*v).to_owned()))
        .collect();
    ::metrics::Key::from_parts(name, labels)
}

#[cfg(feature = "metrics")]
static METADATA: ::metrics::Metadata<'static> =
    ::metrics::Metadata::new(module_path!(), ::metrics::Level::INFO, None);

/// A counter with these labels from the installed recorder.
#[cfg(feature = "metrics")]
pub(crate) fn counter(name: &'static str, labels: Labels<'_>) -> Counter {
    let key = key(name, labels);
    ::metrics::with_recorder(|r| r.register_counter(&key, &METADATA))
}

/// A gauge with these labels from the installed recorder.
#[cfg(feature = "metrics")]
pub(crate) fn gauge(name: &'static str, labels: Labels<'_>) -> Gauge {
    let key = key(name, labels);
    ::metrics::with_recorder(|r| r.register_gauge(&key, &METADATA))
}

/// A histogram with these labels from the installed recorder.
#[cfg(feature = "metrics")]
pub(crate) fn histogram(name: &'static str, labels: Labels<'_>) -> Histogram {
    let key = key(name, labels);
    ::metrics::with_recorder(|r| r.register_histogram(&key, &METADATA))
}

#[cfg(not(feature = "metrics"))]
pub(crate) use noop::{Counter, Gauge, Histogram, counter, gauge, histogram};

#[cfg(not(feature = "metrics"))]
mod noop {
    use super::Labels;

    /// Records nothing (built without the `metrics` feature).
    #[derive(Debug, Clone, Default)]
    pub(crate) struct Counter;
    impl Counter {
        pub(crate) fn noop() -> Self {
            Counter
        }
        pub(crate) fn increment(&self, _: u64) {}
    }

    /// Records nothing (built without the `metrics` feature).
    #[derive(Debug, Clone, Default)]
    pub(crate) struct Gauge;
    impl Gauge {
        pub(crate) fn increment(&self, _: f64) {}
        pub(crate) fn decrement(&self, _: f64) {}
    }

    /// Records nothing (built without the `metrics` feature).
    #[derive(Debug, Clone, Default)]
    pub(crate) struct Histogram;
    impl Histogram {
        pub(crate) fn record(&self, _: f64) {}
    }

    pub(crate) fn counter(_: &'static str, _: Labels<'_>) -> Counter {
        Counter
    }
    pub(crate) fn gauge(_: &'static str, _: Labels<'_>) -> Gauge {
        Gauge
    }
    pub(crate) fn histogram(_: &'static str, _: Labels<'_>) -> Histogram {
        Histogram
    }
}
