//! One module per subcommand; each runs on a joined session.

pub(crate) mod call;
pub(crate) mod meta;
pub(crate) mod publish;
pub(crate) mod register;
pub(crate) mod subscribe;

use std::io::Write as _;

/// Prints one line on stdout and flushes it (a closed stdout, e.g. `| head`,
/// is not an error).
pub(crate) fn print_line(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}
