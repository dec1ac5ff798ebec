//! One call of a meta procedure: what its handler may read and change, and
//! what it answers.

use crate::protocol::id::Id;
use crate::protocol::{Dict, Value};

use super::super::broker::Broker;
use super::super::dealer::Dealer;
use super::super::env::Env;

/// A meta procedure's view of the realm for one call.
pub(crate) struct MetaCall<'a, 'e> {
    /// Sessions, output, meta events, time.
    pub(crate) env: &'a mut Env<'e>,
    /// The realm's dealer.
    pub(crate) dealer: &'a mut Dealer,
    /// The realm's broker.
    pub(crate) broker: &'a mut Broker,
    /// The realm's name.
    pub(crate) realm: &'a str,
    /// The calling session.
    pub(crate) caller: Id,
    /// Positional arguments.
    pub(crate) args: Vec<Value>,
    /// Keyword arguments.
    pub(crate) kwargs: Dict,
}

/// A meta procedure's error: an error URI and a message naming the problem.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MetaError {
    /// Error URI.
    pub(crate) uri: &'static str,
    /// What is wrong.
    pub(crate) message: String,
}

impl MetaError {
    /// An error with `uri` and `message`.
    pub(crate) fn new(uri: &'static str, message: impl Into<String>) -> Self {
        MetaError {
            uri,
            message: message.into(),
        }
    }
}

/// What a meta procedure answers: the RESULT's positional arguments, or an error.
pub(crate) type MetaReply = Result<Vec<Value>, MetaError>;
