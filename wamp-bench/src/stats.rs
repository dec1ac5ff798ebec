//! What one measured run yields, and how runs are summarized.

use std::time::Duration;

/// One run of one case.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    /// Messages (calls or delivered events) per second over the steady-state window.
    pub(crate) rate: f64,
    /// Latency percentiles (p50, p99), for RPC.
    pub(crate) latency: Option<(Duration, Duration)>,
}

/// The `q` quantile (0..=1) of sorted durations, nearest rank.
pub(crate) fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// p50 and p99 of unsorted latencies.
pub(crate) fn percentiles(mut latencies: Vec<Duration>) -> (Duration, Duration) {
    latencies.sort_unstable();
    (quantile(&latencies, 0.50), quantile(&latencies, 0.99))
}

/// The median of some values (the upper one for an even count).
pub(crate) fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// The summary of a case's runs: each column is the median of the runs, taken
/// separately (as loopback-limits.md does).
#[derive(Debug, Clone)]
pub(crate) struct Summary {
    /// Median rate.
    pub(crate) rate: f64,
    /// Lowest and highest rate.
    pub(crate) min: f64,
    /// Highest rate.
    pub(crate) max: f64,
    /// Median p50 and median p99.
    pub(crate) latency: Option<(f64, f64)>,
}

/// Summarizes runs.
pub(crate) fn summarize(samples: &[Sample]) -> Summary {
    let mut rates: Vec<f64> = samples.iter().map(|s| s.rate).collect();
    let min = rates.iter().copied().fold(f64::INFINITY, f64::min);
    let max = rates.iter().copied().fold(0.0, f64::max);
    let rate = median(&mut rates);
    let latency = if samples.iter().all(|s| s.latency.is_some()) && !samples.is_empty() {
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        let mut p50: Vec<f64> = samples
            .iter()
            .filter_map(|s| s.latency)
            .map(|l| us(l.0))
            .collect();
        let mut p99: Vec<f64> = samples
            .iter()
            .filter_map(|s| s.latency)
            .map(|l| us(l.1))
            .collect();
        Some((median(&mut p50), median(&mut p99)))
    } else {
        None
    };
    Summary {
        rate,
        min,
        max,
        latency,
    }
}

/// A rate in short form: `18.2k`, `2.91M`.
pub(crate) fn short(rate: f64) -> String {
    if rate >= 1e6 {
        format!("{:.2}M", rate / 1e6)
    } else if rate >= 1e3 {
        format!("{:.0}k", rate / 1e3)
    } else {
        format!("{rate:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_and_medians() {
        let d: Vec<Duration> = (1..=100).map(Duration::from_micros).collect();
        assert_eq!(quantile(&d, 0.5), Duration::from_micros(50));
        assert_eq!(quantile(&d, 0.99), Duration::from_micros(99));
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(short(2_912_000.0), "2.91M");
        assert_eq!(short(18_200.0), "18k");
    }
}
