//! The command line: subcommands and their options (clap derive).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use serde_json::Value as Json;

use crate::connect::ConnectOpts;

/// Call, publish, subscribe, register and explore a WAMP realm from the shell.
///
/// Arguments are JSON values (bare words are strings); with a router
/// that serves `wamp.reflection.*` they are checked against the procedure's
/// schema before the call is sent.
#[derive(Debug, Parser)]
#[command(name = "wamp", version, propagate_version = true)]
pub(crate) struct Cli {
    /// The command.
    #[command(subcommand)]
    pub(crate) command: Command,
    /// Connection options (every command).
    #[command(flatten)]
    pub(crate) connect: ConnectOpts,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Call a procedure and print its result (progressive results as they arrive).
    Call(CallArgs),
    /// Publish an event.
    Publish(PublishArgs),
    /// Print one JSON line per event (args, kwargs, details) until Ctrl-C or --count events.
    Subscribe(SubscribeArgs),
    /// Serve a procedure from a shell command, until Ctrl-C.
    ///
    /// Each call runs COMMAND with the arguments on its stdin as JSON (`{"args": [...], "kwargs": {...}, "procedure": "..."}`), what it
    /// prints on stdout is the result (JSON, or else a string); a non-zero exit
    /// answers `wamp.error.runtime_error` with its stderr.
    Register(RegisterArgs),
    /// Procedures and topics of the realm with their summaries (reflection).
    List,
    /// Parameters, types, docs and errors of procedures and topics (reflection).
    ///
    /// Those whose URI is or starts with URI_OR_PREFIX; everything when omitted.
    Describe {
        /// A URI, or a prefix such as `com.math`.
        uri_or_prefix: Option<String>,
    },
    /// The sessions on the realm (meta API).
    Sessions {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// The registrations on the realm (meta API).
    Registrations {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script.
    ///
    /// E.g. `wamp completions bash > /etc/bash_completion.d/wamp`, or
    /// `wamp completions zsh > ~/.zfunc/_wamp`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

fn parse_kw(text: &str) -> Result<(String, Json), String> {
    crate::values::parse_kw(text)
}

/// `wamp call`.
#[derive(Debug, clap::Args)]
#[command(allow_negative_numbers = true)]
pub(crate) struct CallArgs {
    /// The procedure.
    pub(crate) uri: String,
    /// Positional arguments: JSON values, bare words are strings (negative
    /// numbers too; a value starting with `-` otherwise goes after `--`).
    pub(crate) args: Vec<String>,
    /// A keyword argument, KEY=VALUE (VALUE as JSON, or a string); repeatable.
    #[arg(long = "kw", value_name = "KEY=VALUE", value_parser = parse_kw)]
    pub(crate) kwargs: Vec<(String, Json)>,
    /// Print each result on one line (for scripts).
    #[arg(long)]
    pub(crate) json: bool,
    /// Seconds to wait for the result (sent to the router too).
    #[arg(long, default_value_t = 30.0)]
    pub(crate) timeout: f64,
    /// Do not check the arguments against the procedure's schema.
    #[arg(long)]
    pub(crate) no_validate: bool,
}

/// `wamp publish`.
#[derive(Debug, clap::Args)]
#[command(allow_negative_numbers = true)]
pub(crate) struct PublishArgs {
    /// The topic.
    pub(crate) topic: String,
    /// Positional arguments: JSON values, bare words are strings (negative
    /// numbers too; a value starting with `-` otherwise goes after `--`).
    pub(crate) args: Vec<String>,
    /// A keyword argument, KEY=VALUE; repeatable.
    #[arg(long = "kw", value_name = "KEY=VALUE", value_parser = parse_kw)]
    pub(crate) kwargs: Vec<(String, Json)>,
    /// Wait for the router to acknowledge, and print the publication ID.
    #[arg(long)]
    pub(crate) acknowledge: bool,
    /// Ask the router to keep the event for later subscribers.
    #[arg(long)]
    pub(crate) retain: bool,
}

/// How a subscription matches topics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Match {
    /// The topic itself.
    Exact,
    /// Every topic starting with it.
    Prefix,
    /// Empty URI components match anything (`com..update`).
    Wildcard,
}

/// `wamp subscribe`.
#[derive(Debug, clap::Args)]
pub(crate) struct SubscribeArgs {
    /// The topic (or prefix, or wildcard pattern).
    pub(crate) topic: String,
    /// How the topic matches.
    #[arg(long = "match", value_enum, default_value = "exact")]
    pub(crate) match_policy: Match,
    /// Exit after this many events.
    #[arg(long)]
    pub(crate) count: Option<u64>,
    /// Ask for the retained event too.
    #[arg(long)]
    pub(crate) get_retained: bool,
}

/// `wamp register`.
#[derive(Debug, clap::Args)]
pub(crate) struct RegisterArgs {
    /// The procedure.
    pub(crate) uri: String,
    /// Most commands running at once: sent as the registration's
    /// `concurrency` (a router that enforces it refuses calls beyond it) and
    /// kept locally (further invocations wait).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) concurrency: u32,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub(crate) command: Vec<PathBuf>,
}
