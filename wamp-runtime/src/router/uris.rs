//! Error and close URIs the router sends, worded as Crossbar.io words them.

/// The call was canceled, or its callee left.
pub(crate) const CANCELED: &str = "wamp.error.canceled";
/// The call timed out.
pub(crate) const TIMEOUT: &str = "wamp.error.timeout";
/// The action is not allowed for the session's role.
pub(crate) const NOT_AUTHORIZED: &str = "wamp.error.not_authorized";
/// A URI is malformed or reserved.
pub(crate) const INVALID_URI: &str = "wamp.error.invalid_uri";
/// No registration matches the procedure.
pub(crate) const NO_SUCH_PROCEDURE: &str = "wamp.error.no_such_procedure";
/// The procedure is already registered (`invoke: single`).
pub(crate) const PROCEDURE_ALREADY_EXISTS: &str = "wamp.error.procedure_already_exists";
/// The procedure is registered with another invocation policy.
pub(crate) const PROCEDURE_EXISTS_WITH_DIFFERENT_POLICY: &str =
    "wamp.error.procedure_exists_with_different_invocation_policy";
/// The registration does not exist (or is not the session's).
pub(crate) const NO_SUCH_REGISTRATION: &str = "wamp.error.no_such_registration";
/// The subscription does not exist (or is not the session's).
pub(crate) const NO_SUCH_SUBSCRIPTION: &str = "wamp.error.no_such_subscription";
/// No callee can take the call now.
pub(crate) const NO_AVAILABLE_CALLEE: &str = "wamp.error.no_available_callee";
/// A meta API call names a session that does not exist.
pub(crate) const NO_SUCH_SESSION: &str = "wamp.error.no_such_session";
/// Arguments of a meta API call are wrong.
pub(crate) const INVALID_ARGUMENT: &str = "wamp.error.invalid_argument";
/// The realm does not exist.
pub(crate) const NO_SUCH_REALM: &str = "wamp.error.no_such_realm";
/// No offered authentication method is acceptable.
pub(crate) const NO_AUTH_METHOD: &str = "wamp.error.no_auth_method";
/// The authentication data is wrong.
pub(crate) const AUTHENTICATION_FAILED: &str = "wamp.error.authentication_failed";
/// No such principal.
pub(crate) const NO_SUCH_PRINCIPAL: &str = "wamp.error.no_such_principal";
/// A peer broke the protocol.
pub(crate) const PROTOCOL_VIOLATION: &str = "wamp.error.protocol_violation";
/// Reply to a GOODBYE.
pub(crate) const GOODBYE_AND_OUT: &str = "wamp.close.goodbye_and_out";
/// The router shuts down.
pub(crate) const SYSTEM_SHUTDOWN: &str = "wamp.close.system_shutdown";
/// The session was killed through the meta API.
pub(crate) const KILLED: &str = "wamp.close.killed";

/// The current time as ISO 8601 UTC with milliseconds, e.g. `2026-11-22T04:05:06.789Z`.
pub(crate) fn now_iso8601() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}
