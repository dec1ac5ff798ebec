//! [`Component`]: keeps a session joined (connect, join, register and subscribe
//! everything, reconnect with backoff), as Autobahn's `Component` does, and
//! never fails silently: every failure is logged, given to
//! [`ComponentBuilder::on_error`] hooks and shown by [`Component::watch`].
//!
//! ```no_run
//! use wamp::{Component, RegisterOptions, State};
//! use wamp::client::typed_procedure;
//!
//! struct Config { greeting: String }
//!
//! # async fn demo() -> Result<(), wamp::Error> {
//! let component = Component::builder("realm1")
//!     .transport("ws://127.0.0.1:8080/ws")
//!     .state(Config { greeting: "hello".into() })
//!     .procedure("com.example.greet", RegisterOptions::default(), wamp::client::procedure(|inv| async move {
//!         let config: State<Config> = inv.state().expect("state");
//!         let (name,): (String,) = inv.payload.args()?;
//!         Ok(wamp::CallResult::value(&format!("{} {name}", config.greeting))?)
//!     }))
//!     .on_join(|session| async move { tracing::info!(id = session.id(), "joined") })
//!     .on_error(|e| tracing::warn!("{e}"))
//!     .build();
//! wamp::run(vec![component]).await
//! # }
//! ```

mod builder;
mod inner;
mod runner;
mod setup;
mod status;
mod transport;

pub use builder::ComponentBuilder;
pub use runner::{Component, StopHandle};
pub use status::{ComponentError, ComponentStatus, Stage};
pub use transport::{RetryPolicy, TransportConfig};
