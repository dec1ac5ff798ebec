//! The Prometheus recorder behind `/metrics` of the admin listener:
//! installed once per process as the `metrics` facade's global recorder,
//! with bucketed histograms for `*_seconds` and every metric described.

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::handles::bump_generation;

/// Buckets of the latency histograms, in seconds.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// How often histograms are drained when nobody scrapes (their samples
/// wait in memory until then).
const UPKEEP: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the Prometheus recorder (the first call in the process) and
/// returns its handle; `None` when another recorder was installed first
/// (then `/metrics` says so and that recorder gets the metrics).
pub(crate) fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
                .expect("buckets are not empty")
                .build_recorder();
            let handle = recorder.handle();
            match ::metrics::set_global_recorder(recorder) {
                Ok(()) => {
                    bump_generation();
                    super::describe::describe_all();
                    let upkeep = handle.clone();
                    tokio::spawn(async move {
                        loop {
                            tokio::time::sleep(UPKEEP).await;
                            upkeep.run_upkeep();
                        }
                    });
                    Some(handle)
                }
                Err(_) => {
                    tracing::warn!(
                        "a metrics recorder was installed before the router's: /metrics stays empty, that recorder gets the metrics"
                    );
                    None
                }
            }
        })
        .as_ref()
}

/// The Prometheus text of every metric, or `None` without the router's recorder.
pub(crate) fn render() -> Option<String> {
    HANDLE.get().and_then(|h| h.as_ref()).map(|h| h.render())
}
