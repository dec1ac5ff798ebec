//! Who a session is, as established by authentication.

use crate::protocol::Dict;

/// Who a session is, as established by authentication.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    /// Authenticated ID.
    pub authid: String,
    /// Authenticated role.
    pub authrole: String,
    /// Method that authenticated the session.
    pub authmethod: String,
    /// Who authenticated it.
    pub authprovider: String,
    /// Extra data for the WELCOME.
    pub authextra: Dict,
}
