//! Typed callers and publishers: what `#[wamp::register]` and
//! `#[wamp::subscribe]` generate next to each function uses this module.
//!
//! For `#[wamp::register("com.math.add")] fn add(a: i64, b: i64) -> i64`
//! the macro also defines a type `add` (a struct with private fields, so it
//! lives in the type namespace beside the function): `add::call(&session, 2,
//! 3)` starts configuring a call, optional parameters and call options are
//! set by methods, and `.await` runs it for `Result<i64, wamp::Error>`. A
//! procedure with a `Progress<P>` parameter also has `.progressive()`, a
//! [`ProgressiveCall`] stream of [`Update`]s; one taking
//! `ProgressiveInput<T>` has `.start_input()`, a [`TypedInputCall`] taking
//! further chunks. For `#[wamp::subscribe]`,
//! `on_event::publish(&session, &event)` publishes. The generated types keep
//! a [`CallStub`] or a [`PublishStub`]; the rest of this module is what they
//! return.

mod call;
mod decode;
mod input;
mod pattern;
mod progressive;
mod publish;
mod slots;

pub use call::{CallStub, StubFuture};
pub use decode::{Decode, decode_raw, decode_unit, decode_value};
pub use input::TypedInputCall;
pub use progressive::{ProgressiveCall, Update};
pub use publish::{PublishFuture, PublishStub};
