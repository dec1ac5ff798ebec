//! The standard error and close URIs (spec, Autobahn and Crossbar), one set
//! for client and router, plus the local ones the client produces without a
//! message on the wire.

/// Unknown procedure.
pub const NO_SUCH_PROCEDURE: &str = "wamp.error.no_such_procedure";
/// A procedure with that URI is already registered.
pub const PROCEDURE_ALREADY_EXISTS: &str = "wamp.error.procedure_already_exists";
/// A procedure with that URI is registered with another invocation policy.
pub const PROCEDURE_EXISTS_WITH_DIFFERENT_POLICY: &str =
    "wamp.error.procedure_exists_with_different_invocation_policy";
/// A meta API call names a session that does not exist.
pub const NO_SUCH_SESSION: &str = "wamp.error.no_such_session";
/// Unknown registration.
pub const NO_SUCH_REGISTRATION: &str = "wamp.error.no_such_registration";
/// Unknown subscription.
pub const NO_SUCH_SUBSCRIPTION: &str = "wamp.error.no_such_subscription";
/// Bad arguments.
pub const INVALID_ARGUMENT: &str = "wamp.error.invalid_argument";
/// Invalid URI.
pub const INVALID_URI: &str = "wamp.error.invalid_uri";
/// A handler failed unexpectedly (panic or unmapped error).
pub const RUNTIME_ERROR: &str = "wamp.error.runtime_error";
/// The call was canceled.
pub const CANCELED: &str = "wamp.error.canceled";
/// The call timed out.
pub const TIMEOUT: &str = "wamp.error.timeout";
/// Not authorized.
pub const NOT_AUTHORIZED: &str = "wamp.error.not_authorized";
/// The realm does not exist.
pub const NO_SUCH_REALM: &str = "wamp.error.no_such_realm";
/// The peer broke the protocol.
pub const PROTOCOL_VIOLATION: &str = "wamp.error.protocol_violation";
/// A result could not be serialized.
pub const INVALID_PAYLOAD: &str = "wamp.error.invalid_payload";
/// A payload is too large for the transport.
pub const PAYLOAD_SIZE_EXCEEDED: &str = "wamp.error.payload_size_exceeded";
/// A router resource limit was reached (the message names the limit): too
/// many calls in flight, registrations, subscriptions, sessions or connections.
pub const LIMIT_EXCEEDED: &str = "wamp.error.limit_exceeded";
/// The callee cannot serve the call now.
pub const UNAVAILABLE: &str = "wamp.error.unavailable";
/// No callee is left to serve the call.
pub const NO_AVAILABLE_CALLEE: &str = "wamp.error.no_available_callee";
/// The target does not support a feature the request needs.
pub const FEATURE_NOT_SUPPORTED: &str = "wamp.error.feature_not_supported";
/// An encrypted payload arrived at a session without a payload codec (Autobahn|Python).
pub const NO_PAYLOAD_CODEC: &str = "wamp.error.no_payload_codec";
/// An encrypted payload could not be decrypted (Autobahn|Python).
pub const ENCRYPTION_DECRYPT_ERROR: &str = "wamp.error.encryption.decrypt_error";
/// The URI inside an encrypted payload is not the one of its message (Autobahn|Python).
pub const ENCRYPTION_TRUSTED_URI_MISMATCH: &str = "wamp.error.encryption.trusted_uri_mismatch";
/// Authentication failed.
pub const AUTHENTICATION_FAILED: &str = "wamp.error.authentication_failed";
/// The client cannot answer the router's challenge (sent in its ABORT).
pub const CANNOT_AUTHENTICATE: &str = "wamp.error.cannot_authenticate";
/// None of the offered authentication methods is accepted.
pub const NO_AUTH_METHOD: &str = "wamp.error.no_auth_method";
/// The router knows no principal of that authid.
pub const NO_SUCH_PRINCIPAL: &str = "wamp.error.no_such_principal";
/// Local: the transport was lost before the request got an answer.
pub const TRANSPORT_LOST: &str = "wamp.error.transport_lost";
/// Local: the session is not (or no longer) established.
pub const NOT_JOINED: &str = "wamp.error.not_joined";
/// Close reason of a normal leave (Autobahn's default).
pub const CLOSE_NORMAL: &str = "wamp.close.normal";
/// Close reason of a leave (the spec's default).
pub const CLOSE_GOODBYE_AND_OUT: &str = "wamp.close.goodbye_and_out";
/// Close reason of a router shutting down.
pub const CLOSE_SYSTEM_SHUTDOWN: &str = "wamp.close.system_shutdown";
/// Close reason of a session killed through the meta API.
pub const CLOSE_KILLED: &str = "wamp.close.killed";
