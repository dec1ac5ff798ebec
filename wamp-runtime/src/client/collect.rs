//! Procedures and topics collected at startup from `#[wamp::register]` and
//! `#[wamp::subscribe]` functions (with `inventory`), the duplicate check, and
//! the [`catalog`] of their JSON Schemas.
//!
//! Serve them with [`ComponentBuilder::collected`](super::ComponentBuilder::collected),
//! [`collected_component`](super::ComponentBuilder::collected_component) or
//! [`collected_prefix`](super::ComponentBuilder::collected_prefix), or with [`serve`].

use std::fmt;

use schemars::SchemaGenerator;
use serde_json::{Map, Value as Json};

use super::error::{Error, uri};
use super::handler::{EventHandler, ProcedureHandler};
use super::options::{InvokePolicy, MatchPolicy, RegisterOptions, SubscribeOptions};

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

    /// Its entry in the [`catalog`], with definitions added to `generator`.
    pub fn describe(&self, generator: &mut SchemaGenerator) -> Json {
        let mut out = Map::new();
        out.insert("uri".into(), self.uri.into());
        out.insert("kind".into(), self.kind().into());
        out.insert("function".into(), self.function.into());
        out.insert("module".into(), self.module.into());
        out.insert("file".into(), self.file.into());
        out.insert("line".into(), self.line.into());
        out.insert("component".into(), self.component.into());
        out.insert("doc".into(), self.doc.into());
        let mut options = Map::new();
        match self.handler {
            Handler::Procedure { options: o, .. } => {
                let o = o();
                options.insert(
                    "match".into(),
                    o.match_.unwrap_or(MatchPolicy::Exact).as_str().into(),
                );
                options.insert(
                    "invoke".into(),
                    o.invoke.unwrap_or(InvokePolicy::Single).as_str().into(),
                );
                options.insert("concurrency".into(), o.concurrency.into());
                options.insert("disclose_caller".into(), o.disclose_caller.into());
            }
            Handler::Topic { options: o, .. } => {
                let o = o();
                options.insert(
                    "match".into(),
                    o.match_.unwrap_or(MatchPolicy::Exact).as_str().into(),
                );
                options.insert("get_retained".into(), o.get_retained.into());
            }
        }
        out.insert("options".into(), Json::Object(options));
        if let Json::Object(signature) = (self.schema)(generator) {
            out.extend(signature);
        }
        out.insert(
            "errors".into(),
            self.errors.iter().map(|e| Json::from(*e)).collect(),
        );
        Json::Object(out)
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

/// The collected procedures and topics as one JSON document:
///
/// ```json
/// { "procedures": [ { "uri", "kind", "function", "module", "component", "doc",
///                     "options", "args", "kwargs", "result", "progress", "errors" } ],
///   "topics": [ ... ],
///   "$defs": { ... } }
/// ```
///
/// `args` is a JSON Schema of the positional arguments (an array with
/// `prefixItems`), `kwargs` one of the keyword arguments (an object),
/// `result` the schema of the single positional result (`null` for none,
/// `true` for a free-form [`CallResult`](crate::CallResult)), `progress` that of
/// progressive results. Shared type definitions live in the top-level `$defs`,
/// which the `$ref`s point to.
pub fn catalog() -> Json {
    catalog_of(all())
}

/// [`catalog`] of a chosen set of entries.
pub fn catalog_of(entries: impl IntoIterator<Item = &'static Collected>) -> Json {
    let mut generator = SchemaGenerator::default();
    let mut procedures = Vec::new();
    let mut topics = Vec::new();
    for entry in entries {
        let described = entry.describe(&mut generator);
        match entry.handler {
            Handler::Procedure { .. } => procedures.push(described),
            Handler::Topic { .. } => topics.push(described),
        }
    }
    let defs: Map<String, Json> = generator.take_definitions(true);
    let mut out = Map::new();
    out.insert("procedures".into(), Json::Array(procedures));
    out.insert("topics".into(), Json::Array(topics));
    out.insert("$defs".into(), Json::Object(defs));
    Json::Object(out)
}

/// Where a procedure of a component comes from: a collected function or a
/// hand-written handler.
#[derive(Debug, Clone)]
pub(crate) struct Source(pub(crate) Option<&'static Collected>);

impl Source {
    /// The extra REGISTER/SUBSCRIBE options that carry the schema of a
    /// collected entry to the router (`x_schema`, see
    /// [`crate::docs::SCHEMA_OPTION`]); empty for a hand-written handler.
    /// `uri` is the URI actually registered or subscribed, which differs from
    /// the entry's own for `ComponentBuilder::collected_renamed`.
    pub(crate) fn schema_option(&self, uri: &str) -> crate::protocol::Dict {
        let mut extra = crate::protocol::Dict::new();
        if let Some(entry) = self.0 {
            let mut schema = crate::docs::entry_schema(entry);
            if let serde_json::Value::Object(m) = &mut schema {
                m.insert("uri".into(), uri.into());
            }
            if let Ok(schema) = serde_json::from_value::<crate::Value>(schema) {
                extra.insert(crate::docs::SCHEMA_OPTION.into(), schema);
            }
        }
        extra
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(c) => f.write_str(&c.location()),
            None => f.write_str("a handler added with ComponentBuilder::procedure"),
        }
    }
}

/// Two registrations the router would refuse: same URI and match policy,
/// and at least one of them with single invocation. Returns an error naming
/// both source locations.
pub(crate) fn check_duplicates<'a>(
    procedures: impl IntoIterator<Item = (&'a str, &'a RegisterOptions, &'a Source)>,
) -> Result<(), Error> {
    let procedures: Vec<_> = procedures.into_iter().collect();
    let mut problems = Vec::new();
    for (i, (uri_a, opt_a, src_a)) in procedures.iter().enumerate() {
        for (uri_b, opt_b, src_b) in &procedures[i + 1..] {
            let match_a = opt_a.match_.unwrap_or(MatchPolicy::Exact);
            let match_b = opt_b.match_.unwrap_or(MatchPolicy::Exact);
            let single = |o: &RegisterOptions| {
                o.invoke.unwrap_or(InvokePolicy::Single) == InvokePolicy::Single
            };
            if uri_a == uri_b && match_a == match_b && (single(opt_a) || single(opt_b)) {
                problems.push(format!(
                    "procedure {uri_a} ({} match) is registered twice: by {src_a} and by {src_b}",
                    match_a.as_str()
                ));
            }
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let message = problems.join("; ");
    tracing::error!("{message}");
    Err(Error::message(uri::PROCEDURE_ALREADY_EXISTS, message))
}

/// Checks every collected procedure for duplicates (as a component serving
/// all of them does before connecting).
pub fn check() -> Result<(), Error> {
    let entries: Vec<(&'static Collected, RegisterOptions, Source)> = all()
        .into_iter()
        .filter_map(|c| Some((c, c.register_options()?, Source(Some(c)))))
        .collect();
    check_duplicates(entries.iter().map(|(c, o, s)| (c.uri, o, s)))
}

/// Serves every collected procedure and topic on `realm` at `url` until Ctrl-C:
/// `wamp::serve("ws://127.0.0.1:8080/ws", "realm1").await`.
pub async fn serve(url: &str, realm: &str) -> Result<(), Error> {
    let component = super::Component::builder(realm)
        .transport(url)
        .collected()
        .build();
    super::run(vec![component]).await
}
