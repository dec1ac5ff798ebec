//! The meta API: procedures under `wamp.session.*`, `wamp.registration.*`,
//! `wamp.subscription.*` and `wamp.reflection.*` answered by the router
//! itself, from a typed table of handlers.

mod args;
mod call;
mod reflection;
mod registrations;
mod sessions;
mod subscriptions;
mod table;
mod testaments;

pub(crate) use call::MetaCall;
pub(crate) use reflection::catalog;
pub(crate) use table::answer;
