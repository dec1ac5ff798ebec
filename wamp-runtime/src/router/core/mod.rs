//! The router core, with no I/O: one [`RealmCore`] per realm takes one input
//! at a time (a session joins, sends a message, leaves; time passes) and
//! returns an [`Output`]: what to send to whom and which sessions to close.
//! No sockets, tasks, locks or clocks: the shell around it (sessions,
//! outboxes, timers) does all of that, and tests drive it directly.

mod broker;
mod dealer;
mod env;
mod errors;
pub(crate) mod hash;
mod meta;
mod meta_event;
mod output;
mod permissions;
mod realm;
mod session;
mod snapshot;
mod testament;
mod undeliverable;
mod uri_index;

#[cfg(test)]
mod tests;

pub(crate) use output::{NotRoutable, Outgoing, Output};
pub(crate) use realm::{JoinRefused, RealmCore};
pub(crate) use session::Joining;
pub(crate) use snapshot::{CoreSnapshot, EntryInfo, SessionInfo};
pub(crate) use undeliverable::Undeliverable;
