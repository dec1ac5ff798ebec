//! What the command line reports when something fails: a message, what to do
//! about it, and the process exit code.

use std::fmt;

/// Exit code when the router or callee answered with an ERROR (or timed out).
pub(crate) const EXIT_ERROR: u8 = 1;
/// Exit code for bad usage, including arguments refused by the procedure's schema.
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit code when the router could not be reached or the session could not join.
pub(crate) const EXIT_CONNECT: u8 = 3;

/// A failure of one command.
#[derive(Debug)]
pub(crate) struct CliError {
    /// What went wrong (first line on stderr).
    pub(crate) message: String,
    /// What to do about it, when we know.
    pub(crate) hint: Option<String>,
    /// The process exit code.
    pub(crate) code: u8,
}

impl CliError {
    /// A failure with `message` and exit `code`.
    pub(crate) fn new(code: u8, message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            hint: None,
            code,
        }
    }

    /// Adds what to do about it.
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// An ERROR answered by the router or a peer: its URI and message.
    pub(crate) fn remote(e: &wamp::Error) -> Self {
        CliError::new(EXIT_ERROR, error_text(e))
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// `URI: message` of a WAMP error (message from its first argument, or its
/// arguments as JSON, or the lower-level cause).
pub(crate) fn error_text(e: &wamp::Error) -> String {
    if let Some(text) = e.text() {
        return format!("{}: {text}", e.uri());
    }
    let args = crate::values::payload_json(e.payload())
        .ok()
        .map(|(args, kwargs)| crate::values::result_json(args, kwargs))
        .filter(|v| !v.is_null());
    match args {
        Some(v) => format!("{}: {v}", e.uri()),
        None => match std::error::Error::source(e) {
            Some(source) => format!("{}: {source}", e.uri()),
            None => e.uri().to_owned(),
        },
    }
}
