//! One annotated function as the macros submit it ([`Collected`]), and the
//! collection of all of them in the binary ([`all`]).

use std::fmt;

use schemars::SchemaGenerator;
use serde_json::Value as Json;

use crate::client::options::{RegisterOptions, SubscribeOptions};
use crate::client::session::{EventHandler, ProcedureHandler};

/// What an annotated function provides: a procedure or a subscription.
#[derive(Clone, Copy)]
pub enum Handler {
    /// `#[wamp::register]`.
    Procedure {
        /// The registration options.
        options: fn() -> RegisterOptions,
        /// Builds the type-erased handler.
        handler: fn() -> ProcedureHandler,
    },
    /// `#[wamp::subscribe]`.
    Topic {
        /// The subscription options.
        options: fn() -> SubscribeOptions,
        /// Builds the type-erased handler.
        handler: fn() -> EventHandler,
    },
}

/// One annotated function, submitted by the macro and collected at startup.
#[derive(Clone, Copy)]
pub struct Collected {
    /// Procedure or topic URI (a pattern with `match = "prefix"`/`"wildcard"`).
    pub uri: &'static str,
    /// The handler and its options.
    pub handler: Handler,
    /// The component it belongs to (`component = "name"`), if named.
    pub component: Option<&'static str>,
    /// Error URIs it declares (`errors = [...]`).
    pub errors: &'static [&'static str],
    /// Its doc comment.
    pub doc: &'static str,
    /// The function's name.
    pub function: &'static str,
    /// `module_path!()` of the function.
    pub module: &'static str,
    /// `file!()` of the function.
    pub file: &'static str,
    /// `line!()` of the function.
    pub line: u32,
    /// The JSON Schema of its signature (`args`, `kwargs`, `result`, `progress`),
    /// with definitions added to the generator.
    pub schema: fn(&mut SchemaGenerator) -> Json,
}

inventory::collect!(Collected);

impl fmt::Debug for Collected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Collected")
            .field("kind", &self.kind())
            .field("uri", &self.uri)
            .field("function", &self.location())
            .field("component", &self.component)
            .finish_non_exhaustive()
    }
}

impl Collected {
    /// `"procedure"` or `"topic"`.
    pub fn kind(&self) -> &'static str {
        match self.handler {
            Handler::Procedure { .. } => "procedure",
            Handler::Topic { .. } => "topic",
        }
    }

    /// `module::function (file:line)`.
    pub fn location(&self) -> String {
        format!(
            "{}::{} ({}:{})",
            self.module, self.function, self.file, self.line
        )
    }

    /// The registration options, for a procedure.
    pub fn register_options(&self) -> Option<RegisterOptions> {
        match self.handler {
            Handler::Procedure { options, .. } => Some(options()),
            Handler::Topic { .. } => None,
        }
    }

    /// The subscription options, for a topic.
    pub fn subscribe_options(&self) -> Option<SubscribeOptions> {
        match self.handler {
            Handler::Topic { options, .. } => Some(options()),
            Handler::Procedure { .. } => None,
        }
    }
}

/// Every collected procedure and topic, sorted by kind, URI and location.
pub fn all() -> Vec<&'static Collected> {
    let mut all: Vec<&'static Collected> = inventory::iter::<Collected>.into_iter().collect();
    all.sort_by(|a, b| {
        (a.kind(), a.uri, a.module, a.line).cmp(&(b.kind(), b.uri, b.module, b.line))
    });
    all
}
