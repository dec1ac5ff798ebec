//! What a handler of the core works with besides its own tables: the realm's
//! sessions and permissions, the output being built, the meta events to
//! publish, the limits, the current time and the realm's random source.

use std::time::Instant;

use rand::rngs::StdRng;

use crate::router::limits::Limits;

use super::meta_event::MetaEvent;
use super::output::Output;
use super::permissions::Permissions;
use super::session::Members;

/// The environment of one input to the core.
pub(crate) struct Env<'a> {
    /// The joined sessions.
    pub(crate) members: &'a mut Members,
    /// The realm's authorization.
    pub(crate) permissions: &'a Permissions,
    /// What to send and close.
    pub(crate) out: &'a mut Output,
    /// Meta events to publish once the handler is done.
    pub(crate) meta: &'a mut Vec<MetaEvent>,
    /// The router's resource limits.
    pub(crate) limits: &'a Limits,
    /// The injected current time.
    pub(crate) now: Instant,
    /// The realm's random source (seeded in tests).
    pub(crate) rng: &'a mut StdRng,
}
