//! Keepalive of the router's connections (`[keepalive]` in the standalone
//! router's TOML): every accepted WebSocket and RawSocket connection is
//! pinged when silent, and dropped when it stays silent, so that a dead peer
//! (a half-open connection) loses its session, registrations and
//! subscriptions.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

use crate::transport::Keepalive;

/// Keepalive settings of the router. On by default: a connection silent for
/// `interval_secs` is pinged (WebSocket PING, RawSocket PING), and one that
/// then sends nothing at all for `timeout_secs` is closed and its session
/// left. A dead peer is therefore noticed at most `2 × interval_secs +
/// timeout_secs` after the last thing it sent.
///
/// RawSocket peers are pinged only once they sent a PING themselves, unless
/// `rawsocket` is set: Crossbar.io and Autobahn|Python's Twisted RawSocket
/// read a PING as the header of a 16 MiB message and drop the connection,
/// so a RawSocket peer that never pings is not checked for liveness.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeepaliveConfig {
    /// Ping silent peers at all (default `true`).
    pub enabled: bool,
    /// Seconds of silence before a ping (default 30; fractions allowed).
    #[serde(deserialize_with = "positive_secs")]
    pub interval_secs: f64,
    /// Seconds allowed for any answer to that ping (default 10; fractions
    /// allowed).
    #[serde(deserialize_with = "positive_secs")]
    pub timeout_secs: f64,
    /// Ping RawSocket peers from the start, not only those that pinged
    /// (default `false`).
    pub rawsocket: bool,
}

impl Default for KeepaliveConfig {
    fn default() -> Self {
        KeepaliveConfig {
            enabled: true,
            interval_secs: 30.0,
            timeout_secs: 10.0,
            rawsocket: false,
        }
    }
}

impl KeepaliveConfig {
    /// Keepalive switched off.
    pub fn off() -> Self {
        KeepaliveConfig {
            enabled: false,
            ..Self::default()
        }
    }

    /// The transport settings; `None` when switched off.
    pub fn settings(&self) -> Option<Keepalive> {
        if !self.enabled {
            return None;
        }
        let secs = |s: f64, default: f64| {
            Duration::try_from_secs_f64(s)
                .ok()
                .filter(|d| !d.is_zero())
                .unwrap_or(Duration::from_secs_f64(default))
        };
        Some(Keepalive {
            interval: secs(self.interval_secs, 30.0),
            timeout: secs(self.timeout_secs, 10.0),
        })
    }
}

impl From<Option<Keepalive>> for KeepaliveConfig {
    /// `None` switches keepalive off.
    fn from(keepalive: Option<Keepalive>) -> Self {
        match keepalive {
            None => KeepaliveConfig::off(),
            Some(k) => KeepaliveConfig {
                enabled: true,
                interval_secs: k.interval.as_secs_f64(),
                timeout_secs: k.timeout.as_secs_f64(),
                rawsocket: false,
            },
        }
    }
}

fn positive_secs<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    let secs = f64::deserialize(deserializer)?;
    if secs.is_finite() && secs > 0.0 && Duration::try_from_secs_f64(secs).is_ok() {
        Ok(secs)
    } else {
        Err(serde::de::Error::custom(format!(
            "must be a positive number of seconds, not {secs}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_by_default_and_deserializable() {
        let k = KeepaliveConfig::default().settings().unwrap();
        assert_eq!(k.interval, Duration::from_secs(30));
        assert_eq!(k.timeout, Duration::from_secs(10));
        let c: KeepaliveConfig =
            serde_json::from_str(r#"{"interval_secs": 5, "timeout_secs": 0.5}"#).unwrap();
        let k = c.settings().unwrap();
        assert_eq!(k.interval, Duration::from_secs(5));
        assert_eq!(k.timeout, Duration::from_millis(500));
        let off: KeepaliveConfig = serde_json::from_str(r#"{"enabled": false}"#).unwrap();
        assert_eq!(off.settings(), None);
        let err = serde_json::from_str::<KeepaliveConfig>(r#"{"interval_secs": 0}"#).unwrap_err();
        assert!(
            err.to_string().contains("positive number of seconds"),
            "{err}"
        );
    }
}
