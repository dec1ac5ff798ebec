//! Options and details of the session messages: `HELLO`, `WELCOME`,
//! `ABORT`/`GOODBYE`, `CHALLENGE`, `AUTHENTICATE`.

use crate::protocol::dict_struct::dict_struct;
use crate::protocol::roles::Roles;
use crate::serializer::Dict;

dict_struct! {
    /// `HELLO.Details`: what a client announces when it joins.
    HelloDetails {
        /// Roles and features of the client (required).
        roles: Roles = "roles",
        /// Client software name and version.
        agent: String = "agent",
        /// Authentication methods the client offers, in order.
        authmethods: Vec<String> = "authmethods",
        /// Authentication ID the client asks for.
        authid: String = "authid",
        /// Authentication role the client asks for.
        authrole: String = "authrole",
        /// Extra authentication data (e.g. the cryptosign `pubkey`).
        authextra: Dict = "authextra",
        /// Whether the session may be resumed (Autobahn extension).
        resumable: bool = "resumable",
        /// Session to resume (Autobahn extension).
        resume_session: u64 = "resume-session",
        /// Token to resume with (Autobahn extension).
        resume_token: String = "resume-token",
        /// Transport information (e.g. transport-level authentication).
        transport: Dict = "transport",
    }
}

dict_struct! {
    /// `WELCOME.Details`: what the router tells a client that joined.
    WelcomeDetails {
        /// Roles and features of the router (required).
        roles: Roles = "roles",
        /// Router software name and version.
        agent: String = "agent",
        /// The realm joined (Crossbar).
        realm: String = "realm",
        /// Authenticated ID.
        authid: String = "authid",
        /// Authenticated role.
        authrole: String = "authrole",
        /// Method that authenticated the client.
        authmethod: String = "authmethod",
        /// Who authenticated the client.
        authprovider: String = "authprovider",
        /// Extra authentication data from the router.
        authextra: Dict = "authextra",
        /// Whether this session resumed an earlier one.
        resumed: bool = "resumed",
        /// Whether this session may be resumed.
        resumable: bool = "resumable",
        /// Token for resuming.
        resume_token: String = "resume_token",
    }
}

dict_struct! {
    /// `ABORT.Details` and `GOODBYE.Details`.
    CloseDetails {
        /// Human-readable explanation.
        message: String = "message",
        /// Whether the session may be resumed later (Autobahn extension).
        resumable: bool = "resumable",
    }
}

dict_struct! {
    /// `CHALLENGE.Extra`: what the router asks the client to prove.
    ChallengeExtra {
        /// The challenge (WAMP-CRA: a JSON string; cryptosign: 64 hex digits).
        challenge: String = "challenge",
        /// WAMP-CRA salt (salted secrets).
        salt: String = "salt",
        /// WAMP-CRA derived key length.
        keylen: u64 = "keylen",
        /// KDF iterations.
        iterations: u64 = "iterations",
        /// SCRAM KDF memory cost.
        memory: u64 = "memory",
        /// SCRAM KDF name.
        kdf: String = "kdf",
        /// SCRAM nonce.
        nonce: String = "nonce",
    }
}

dict_struct! {
    /// `AUTHENTICATE.Extra`.
    AuthenticateExtra {
        /// SCRAM nonce.
        nonce: String = "nonce",
        /// SCRAM channel binding data.
        cbind_data: String = "cbind_data",
    }
}
