//! Whether the router is ready to serve: what `/readyz` and the live
//! page's feed report.

use super::config::Admin;

/// Listeners bound, realms loaded, not shutting down.
pub(super) fn ready(admin: &Admin) -> Result<(), &'static str> {
    let router = &admin.router;
    if router.shutdown.is_cancelled() {
        return Err("not ready: shutting down");
    }
    if router.listeners() == 0 {
        return Err("not ready: no listener bound yet");
    }
    if router.config.realms.is_empty() && !router.config.auto_create_realms {
        return Err("not ready: no realm configured");
    }
    Ok(())
}

/// Whether `/readyz` answers 200.
pub(super) fn is_ready(admin: &Admin) -> bool {
    ready(admin).is_ok()
}
