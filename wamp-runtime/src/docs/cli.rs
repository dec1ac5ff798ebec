//! The docs flags of a binary: `--print-schema json|md|html|asyncapi` (or the
//! `WAMP_PRINT_SCHEMA` variable) and `--write-docs DIR`, read from the command
//! line and carried out on a catalog document. Nothing here ends the process:
//! the caller learns what was done and decides what happens next.

use std::io::{self, Write as _};
use std::path::PathBuf;

use serde_json::Value as Json;

use super::format::{Format, write_docs};

/// The flags this module reads, for the usage message.
const USAGE: &str = "usage: --print-schema json|md|html|asyncapi, or --write-docs DIR";

/// What the docs flags ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocsRequest {
    /// Print the docs in one format to stdout.
    Print(Format),
    /// Write the docs in every format into a directory.
    Write(PathBuf),
}

/// What was done about the docs flags.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "once the docs are printed or written, a binary usually stops"]
pub enum DocsOutcome {
    /// No docs flag was given: the binary goes on with its work.
    NotRequested,
    /// The docs were printed to stdout in this format.
    Printed(Format),
    /// The docs were written into these files.
    Written(Vec<PathBuf>),
}

impl DocsOutcome {
    /// Whether the docs were printed or written, so the binary has done what
    /// it was asked for and should stop.
    pub fn is_done(&self) -> bool {
        !matches!(self, DocsOutcome::NotRequested)
    }
}

/// A docs flag that could not be carried out.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// A flag has a bad or missing value.
    #[error("{0}; {USAGE}")]
    Usage(String),
    /// Printing to stdout failed.
    #[error("cannot print the docs: {0}")]
    Print(#[source] io::Error),
    /// Writing the files failed.
    #[error("cannot write the docs into {}: {source}", dir.display())]
    Write {
        /// The directory asked for.
        dir: PathBuf,
        /// Why writing failed.
        #[source]
        source: io::Error,
    },
}

impl CliError {
    /// The exit status a binary conventionally ends with: 2 for a usage
    /// error, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Print(_) | CliError::Write { .. } => 1,
        }
    }
}

impl DocsRequest {
    /// Reads the flags from this process's arguments and the
    /// `WAMP_PRINT_SCHEMA` variable; `Ok(None)` when neither asks for docs.
    pub fn from_env() -> Result<Option<Self>, CliError> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        Self::parse(&args, std::env::var("WAMP_PRINT_SCHEMA").ok().as_deref())
    }

    /// Reads `--print-schema [FORMAT]` (default `json`, also as
    /// `--print-schema=FORMAT`) or `--write-docs DIR` from `args` (without the
    /// program name), else the value of `WAMP_PRINT_SCHEMA` in `env`.
    pub fn parse(args: &[String], env: Option<&str>) -> Result<Option<Self>, CliError> {
        for (i, arg) in args.iter().enumerate() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) => (f, Some(v.to_owned())),
                None => (arg.as_str(), None),
            };
            if flag != "--print-schema" && flag != "--write-docs" {
                continue;
            }
            let value = inline.or_else(|| args.get(i + 1).cloned());
            return match (flag, value) {
                ("--print-schema", None) => Ok(Some(DocsRequest::Print(Format::Json))),
                ("--print-schema", Some(v)) => match Format::parse(&v) {
                    Some(f) => Ok(Some(DocsRequest::Print(f))),
                    None => Err(CliError::Usage(format!("unknown docs format {v:?}"))),
                },
                (_, Some(dir)) => Ok(Some(DocsRequest::Write(dir.into()))),
                (_, None) => Err(CliError::Usage("--write-docs needs a directory".into())),
            };
        }
        match env {
            None => Ok(None),
            Some(v) => match Format::parse(v) {
                Some(f) => Ok(Some(DocsRequest::Print(f))),
                None => Err(CliError::Usage(format!("unknown WAMP_PRINT_SCHEMA {v:?}"))),
            },
        }
    }

    /// Prints `doc` to stdout or writes it into the directory, and says which.
    pub fn fulfil(&self, doc: &Json) -> Result<DocsOutcome, CliError> {
        match self {
            DocsRequest::Print(format) => {
                let mut out = io::stdout().lock();
                out.write_all(format.render(doc).as_bytes())
                    .and_then(|()| out.flush())
                    .map_err(CliError::Print)?;
                Ok(DocsOutcome::Printed(*format))
            }
            DocsRequest::Write(dir) => {
                write_docs(dir, doc)
                    .map(DocsOutcome::Written)
                    .map_err(|source| CliError::Write {
                        dir: dir.clone(),
                        source,
                    })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: Option<&str>) -> Result<Option<DocsRequest>, CliError> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        DocsRequest::parse(&args, env)
    }

    #[test]
    fn parses_flags() {
        assert_eq!(parse(&["--other"], None).unwrap(), None);
        assert_eq!(
            parse(&["--print-schema", "md"], None).unwrap(),
            Some(DocsRequest::Print(Format::Markdown))
        );
        assert_eq!(
            parse(&["--print-schema=html"], None).unwrap(),
            Some(DocsRequest::Print(Format::Html))
        );
        assert_eq!(
            parse(&["--print-schema"], None).unwrap(),
            Some(DocsRequest::Print(Format::Json))
        );
        assert_eq!(
            parse(&["--write-docs", "out"], None).unwrap(),
            Some(DocsRequest::Write("out".into()))
        );
        assert_eq!(
            parse(&[], Some("asyncapi")).unwrap(),
            Some(DocsRequest::Print(Format::AsyncApi))
        );
    }

    #[test]
    fn bad_values_are_usage_errors() {
        for bad in [
            parse(&["--print-schema", "pdf"], None),
            parse(&["--write-docs"], None),
        ] {
            let e = bad.unwrap_err();
            assert!(matches!(e, CliError::Usage(_)), "{e}");
            assert_eq!(e.exit_code(), 2);
            assert!(e.to_string().contains("usage:"));
        }
        assert!(matches!(parse(&[], Some("pdf")), Err(CliError::Usage(_))));
    }

    #[test]
    fn writing_reports_the_files_or_the_failure() {
        let dir = std::env::temp_dir().join(format!("wamp-docs-cli-{}", std::process::id()));
        let doc = serde_json::json!({"procedures": [], "topics": [], "$defs": {}});
        let outcome = DocsRequest::Write(dir.clone()).fulfil(&doc).unwrap();
        assert!(outcome.is_done());
        let DocsOutcome::Written(files) = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(files.len(), Format::ALL.len());
        // A directory cannot be created under a regular file.
        let under_file = files[0].join("sub");
        let e = DocsRequest::Write(under_file).fulfil(&doc).unwrap_err();
        assert_eq!(e.exit_code(), 1);
        assert!(std::error::Error::source(&e).is_some());
        let _ = std::fs::remove_dir_all(dir);
    }
}
