//! The router's one reading of the wall clock: creation times for the meta
//! API and challenge timestamps.

/// The current time as ISO 8601 UTC with milliseconds, e.g. `2026-11-22T04:05:06.789Z`.
pub(crate) fn now_iso8601() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}
