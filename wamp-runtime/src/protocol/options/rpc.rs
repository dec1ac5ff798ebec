//! Options and details of remote procedure calls: `CALL`, `CANCEL`, `RESULT`,
//! `REGISTER`, `INVOCATION`, `INTERRUPT`, `YIELD`, a router-initiated
//! `UNREGISTERED`, and the `ERROR` that answers any request.

use super::values::{CancelMode, EncAlgo, ForwardFor, InvokePolicy, MatchPolicy};
use crate::protocol::dict_struct::dict_struct;

dict_struct! {
    /// `CALL.Options`.
    WireCallOptions {
        /// Timeout in milliseconds (0 or absent: none).
        timeout: u64 = "timeout",
        /// The caller accepts progressive results.
        receive_progress: bool = "receive_progress",
        /// Disclose the caller's identity to the callee.
        disclose_me: bool = "disclose_me",
        /// This call is a progressive invocation chunk (more follow).
        progress: bool = "progress",
        /// Transaction hash (Autobahn extension).
        transaction_hash: String = "transaction_hash",
        /// Router-to-router forwarding chain.
        forward_for: Vec<ForwardFor> = "forward_for",
        /// Transparent payload algorithm.
        enc_algo: EncAlgo = "enc_algo",
        /// Transparent payload key ID.
        enc_key: String = "enc_key",
        /// Serializer of the transparent payload.
        enc_serializer: String = "enc_serializer",
        /// Run mode of sharded registrations (`partition`).
        runmode: String = "runmode",
        /// Routing key of sharded registrations.
        rkey: String = "rkey",
    }
}

dict_struct! {
    /// `CANCEL.Options`.
    CancelOptions {
        /// How to cancel.
        mode: CancelMode = "mode",
        /// Router-to-router forwarding chain.
        forward_for: Vec<ForwardFor> = "forward_for",
    }
}

dict_struct! {
    /// `RESULT.Details`.
    ResultDetails {
        /// More results follow (progressive results).
        progress: bool = "progress",
        /// Session ID of the callee.
        callee: u64 = "callee",
        /// Its authid.
        callee_authid: String = "callee_authid",
        /// Its authrole.
        callee_authrole: String = "callee_authrole",
        /// Router-to-router forwarding chain.
        forward_for: Vec<ForwardFor> = "forward_for",
        /// Transparent payload algorithm.
        enc_algo: EncAlgo = "enc_algo",
        /// Transparent payload key ID.
        enc_key: String = "enc_key",
        /// Serializer of the transparent payload.
        enc_serializer: String = "enc_serializer",
    }
}

dict_struct! {
    /// `REGISTER.Options`.
    WireRegisterOptions {
        /// How the procedure URI is matched.
        match_: MatchPolicy = "match",
        /// Which callee of a shared registration gets a call.
        invoke: InvokePolicy = "invoke",
        /// Most invocations in flight at this callee (Crossbar extension).
        concurrency: u64 = "concurrency",
        /// Take over an existing registration (Crossbar extension): the
        /// router removes its current callees and gives the procedure to this
        /// session, only when every current callee has the same authid as
        /// this session; otherwise the REGISTER is handled as without it
        /// (`wamp.error.procedure_already_exists` for a single registration).
        force_reregister: bool = "force_reregister",
        /// Ask the router to disclose callers.
        disclose_caller: bool = "disclose_caller",
        /// Forward the call timeout to the callee.
        forward_timeout: bool = "forward_timeout",
        /// Router-to-router forwarding chain.
        forward_for: Vec<ForwardFor> = "forward_for",
    }
}

dict_struct! {
    /// `INVOCATION.Details`.
    InvocationDetails {
        /// Session ID of the caller (when disclosed).
        caller: u64 = "caller",
        /// Authid of the caller.
        caller_authid: String = "caller_authid",
        /// Authrole of the caller.
        caller_authrole: String = "caller_authrole",
        /// The concrete procedure (for pattern registrations).
        procedure: String = "procedure",
        /// The caller accepts progressive results.
        receive_progress: bool = "receive_progress",
        /// This invocation is a progressive chunk (more follow).
        progress: bool = "progress",
        /// Timeout in milliseconds forwarded by the dealer.
        timeout: u64 = "timeout",
        /// Trust level of the call.
        trustlevel: u64 = "trustlevel",
        /// Transaction hash (Autobahn extension).
        transaction_hash: String = "transaction_hash",
        /// Router-to-router forwarding chain.
        forward_for: Vec<ForwardFor> = "forward_for",
        /// Transparent payload algorithm.
        enc_algo: EncAlgo = "enc_algo",
        /// Transparent payload key ID.
        enc_key: String = "enc_key",
        /// Serializer of the transparent payload.
        enc_serializer: String = "enc_serializer",
    }
}

dict_struct! {
    /// `INTERRUPT.Options`.
    InterruptOptions {
        /// How the call was canceled.
        mode: CancelMode = "mode",
        /// Why (e.g. `wamp.error.timeout`).
        reason: String = "reason",
        /// Router-to-router forwarding chain.
        forward_for: Vec<ForwardFor> = "forward_for",
    }
}

dict_struct! {
    /// `YIELD.Options`.
    YieldOptions {
        /// More results follow (progressive results).
        progress: bool = "progress",
        /// Session ID of the callee.
        callee: u64 = "callee",
        /// Its authid.
        callee_authid: String = "callee_authid",
        /// Its authrole.
        callee_authrole: String = "callee_authrole",
        /// Router-to-router forwarding chain.
        forward_for: Vec<ForwardFor> = "forward_for",
        /// Transparent payload algorithm.
        enc_algo: EncAlgo = "enc_algo",
        /// Transparent payload key ID.
        enc_key: String = "enc_key",
        /// Serializer of the transparent payload.
        enc_serializer: String = "enc_serializer",
    }
}

dict_struct! {
    /// Details of a router-initiated `UNREGISTERED` (registration revocation).
    UnregisteredDetails {
        /// The revoked registration.
        registration: u64 = "registration",
        /// Why it was revoked.
        reason: String = "reason",
    }
}

dict_struct! {
    /// `ERROR.Details`.
    ErrorDetails {
        /// Session ID of the callee that raised the error.
        callee: u64 = "callee",
        /// Its authid.
        callee_authid: String = "callee_authid",
        /// Its authrole.
        callee_authrole: String = "callee_authrole",
        /// Router-to-router forwarding chain.
        forward_for: Vec<ForwardFor> = "forward_for",
        /// Transparent payload algorithm.
        enc_algo: EncAlgo = "enc_algo",
        /// Transparent payload key ID.
        enc_key: String = "enc_key",
        /// Serializer of the transparent payload.
        enc_serializer: String = "enc_serializer",
    }
}
