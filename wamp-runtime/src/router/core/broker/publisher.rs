//! Who published an event, kept for disclosure and exclusion.

use crate::protocol::id::Id;

/// Who published an event, for disclosure and exclusion.
#[derive(Debug, Clone)]
pub(crate) struct Publisher {
    /// Publisher session.
    pub(crate) session: Id,
    /// Its authid.
    pub(crate) authid: String,
    /// Its authrole.
    pub(crate) authrole: String,
}
