//! What handlers and callers learn: call, event and session details, call
//! results, and the shared application state.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::protocol::options::ResultDetails;
use crate::protocol::roles::Roles;
use crate::protocol::{Dict, Id, Payload, PayloadError};
use crate::serializer::SerializerKind;
use crate::transport::TransportDetails;

/// What a callee learns about a call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallDetails {
    /// The registration invoked.
    pub registration: Id,
    /// The concrete procedure called (for pattern registrations; otherwise the registered URI).
    pub procedure: String,
    /// Session ID of the caller, when disclosed.
    pub caller: Option<Id>,
    /// Authid of the caller, when disclosed.
    pub caller_authid: Option<String>,
    /// Authrole of the caller, when disclosed.
    pub caller_authrole: Option<String>,
    /// Call timeout forwarded by the dealer.
    pub timeout: Option<Duration>,
    /// Whether the caller accepts progressive results.
    pub receive_progress: bool,
}

/// What a subscriber learns about an event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventDetails {
    /// The subscription that matched.
    pub subscription: Id,
    /// The publication ID.
    pub publication: Id,
    /// The concrete topic (for pattern subscriptions; otherwise the subscribed URI).
    pub topic: String,
    /// Session ID of the publisher, when disclosed.
    pub publisher: Option<Id>,
    /// Authid of the publisher, when disclosed.
    pub publisher_authid: Option<String>,
    /// Authrole of the publisher, when disclosed.
    pub publisher_authrole: Option<String>,
    /// Whether this is a retained event.
    pub retained: bool,
}

/// What the router said when the session joined.
#[derive(Debug, Clone)]
pub struct SessionDetails {
    /// The realm joined.
    pub realm: String,
    /// The session ID.
    pub session: Id,
    /// Authenticated ID.
    pub authid: Option<String>,
    /// Authenticated role.
    pub authrole: Option<String>,
    /// Method that authenticated the session.
    pub authmethod: Option<String>,
    /// Who authenticated the session.
    pub authprovider: Option<String>,
    /// Extra authentication data from the router.
    pub authextra: Dict,
    /// Roles and features of the router.
    pub router_roles: Roles,
    /// Serializer of the transport.
    pub serializer: SerializerKind,
    /// Facts about the transport.
    pub transport: TransportDetails,
}

/// The result of a call (caller side) or what a handler returns (callee side):
/// positional and keyword results, kept encoded until asked for as a type.
///
/// ```
/// let r = wamp::CallResult::value(&42).unwrap();
/// assert_eq!(r.get::<i64>().unwrap(), 42);
/// ```
#[derive(Clone, Default)]
pub struct CallResult {
    /// The results.
    pub payload: Payload,
    /// RESULT details (callee identity when disclosed, `progress`); empty on the callee side.
    pub details: ResultDetails,
}

impl fmt::Debug for CallResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallResult")
            .field("args", &self.payload.args_values())
            .field("kwargs", &self.payload.kwargs_values())
            .finish()
    }
}

impl CallResult {
    /// No results.
    pub fn empty() -> Self {
        Self::default()
    }

    /// A result from an encoded payload.
    pub fn from_payload(payload: Payload) -> Self {
        CallResult {
            payload,
            details: ResultDetails::default(),
        }
    }

    /// One positional result, `[value]` (as Autobahn sends a return value).
    pub fn value<T: Serialize + ?Sized>(value: &T) -> Result<Self, PayloadError> {
        Ok(Self::from_payload(Payload::from_args(&[value])?))
    }

    /// Positional results from a tuple, `Vec` or array.
    pub fn args<A: Serialize + ?Sized>(args: &A) -> Result<Self, PayloadError> {
        Ok(Self::from_payload(Payload::from_args(args)?))
    }

    /// Positional and keyword results.
    pub fn args_kwargs<A: Serialize + ?Sized, K: Serialize + ?Sized>(
        args: &A,
        kwargs: &K,
    ) -> Result<Self, PayloadError> {
        Ok(Self::from_payload(Payload::from_args_kwargs(args, kwargs)?))
    }

    /// The single positional result as `T` (a missing result reads as `null`,
    /// so `()` and `Option<T>` accept it).
    pub fn get<T: DeserializeOwned>(&self) -> Result<T, PayloadError> {
        if self.payload.has_args() {
            self.payload
                .single_arg()?
                .map_err(|n| PayloadError::Decode {
                    part: "args",
                    serializer: self.payload.serializer().unwrap_or(SerializerKind::Cbor),
                    reason: format!("expected one result, found {n}"),
                })
        } else {
            let (first,): (T,) = Payload::from_args(&[()])?.args()?;
            Ok(first)
        }
    }

    /// Decodes the positional results.
    pub fn args_as<T: DeserializeOwned>(&self) -> Result<T, PayloadError> {
        self.payload.args()
    }

    /// Decodes the keyword results.
    pub fn kwargs_as<T: DeserializeOwned>(&self) -> Result<T, PayloadError> {
        self.payload.kwargs()
    }

    /// Whether this is a progressive (non-final) result.
    pub fn is_progress(&self) -> bool {
        self.details.progress == Some(true)
    }
}

/// Shared application state reachable from handlers (a database pool, a
/// config), registered on a [`Component`](crate::Component) or session with
/// `with_state` and read with `state::<T>()`.
#[derive(Debug)]
pub struct State<T: ?Sized>(pub Arc<T>);

impl<T: ?Sized> Clone for State<T> {
    fn clone(&self) -> Self {
        State(self.0.clone())
    }
}

impl<T: ?Sized> Deref for State<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// A type map of shared states, one value per type.
#[derive(Clone, Default)]
pub struct Extensions(HashMap<TypeId, Arc<dyn Any + Send + Sync>>);

impl fmt::Debug for Extensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Extensions({} values)", self.0.len())
    }
}

impl Extensions {
    /// Stores a value (replacing any of the same type).
    pub fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.0.insert(TypeId::of::<T>(), Arc::new(value));
    }

    /// The value of type `T`, if stored.
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<State<T>> {
        self.0
            .get(&TypeId::of::<T>())
            .cloned()
            .and_then(|v| v.downcast::<T>().ok())
            .map(State)
    }
}
