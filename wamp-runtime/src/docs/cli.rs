//! `--print-schema json|md|html|asyncapi` and `--write-docs DIR`, handled by
//! the runtime so that any component binary can print its docs without
//! connecting anywhere.

use std::path::Path;

use serde_json::Value as Json;

use super::{Info, asyncapi, document, html, markdown};

/// An output format of the docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The versioned JSON catalog document.
    Json,
    /// Markdown.
    Markdown,
    /// The self-contained HTML page.
    Html,
    /// AsyncAPI 3.0 (the topics), as JSON.
    AsyncApi,
}

impl Format {
    /// Parses `json`, `md`/`markdown`, `html` or `asyncapi`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "json" => Some(Format::Json),
            "md" | "markdown" => Some(Format::Markdown),
            "html" => Some(Format::Html),
            "asyncapi" => Some(Format::AsyncApi),
            _ => None,
        }
    }

    /// Renders a catalog document in this format.
    pub fn render(self, doc: &Json) -> String {
        let pretty = |v: &Json| {
            let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
            s.push('\n');
            s
        };
        match self {
            Format::Json => pretty(doc),
            Format::Markdown => markdown(doc),
            Format::Html => html(doc),
            Format::AsyncApi => pretty(&asyncapi(doc)),
        }
    }

    /// The file name `--write-docs` uses.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Json => "catalog.json",
            Format::Markdown => "catalog.md",
            Format::Html => "catalog.html",
            Format::AsyncApi => "asyncapi.json",
        }
    }
}

const USAGE: &str = "usage: --print-schema json|md|html|asyncapi, or --write-docs DIR";

/// What the command line (or `WAMP_PRINT_SCHEMA`) asks for.
#[derive(Debug, PartialEq, Eq)]
enum Request {
    Print(Format),
    Write(String),
    Bad(String),
}

fn parse(args: &[String], env: Option<String>) -> Option<Request> {
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f, Some(v.to_owned())),
            None => (arg.as_str(), None),
        };
        if flag == "--print-schema" || flag == "--write-docs" {
            let value = inline.or_else(|| args.get(i + 1).cloned());
            return Some(match (flag, value) {
                ("--print-schema", None) => Request::Print(Format::Json),
                ("--print-schema", Some(v)) => match Format::parse(&v) {
                    Some(f) => Request::Print(f),
                    None => Request::Bad(format!("unknown docs format {v:?}; {USAGE}")),
                },
                (_, Some(dir)) => Request::Write(dir),
                (_, None) => Request::Bad(format!("--write-docs needs a directory; {USAGE}")),
            });
        }
        i += 1;
    }
    let env = env?;
    Some(match Format::parse(&env) {
        Some(f) => Request::Print(f),
        None => Request::Bad(format!("unknown WAMP_PRINT_SCHEMA {env:?}; {USAGE}")),
    })
}

/// Writes the docs in every format into `dir` (created if missing):
/// `catalog.json`, `catalog.md`, `catalog.html` and `asyncapi.json`.
pub fn write_docs(dir: &Path, doc: &Json) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for format in [
        Format::Json,
        Format::Markdown,
        Format::Html,
        Format::AsyncApi,
    ] {
        let path = dir.join(format.file_name());
        std::fs::write(&path, format.render(doc))?;
        written.push(path);
    }
    Ok(written)
}

/// Handles `--print-schema [json|md|html|asyncapi]` (default `json`) and
/// `--write-docs DIR` in `args`, or the `WAMP_PRINT_SCHEMA` variable in `env`:
/// returns `None` when neither is there, otherwise the exit code after
/// printing to stdout or writing the files (`2` on a bad value).
pub fn handle_cli_args(info: &Info, args: &[String], env: Option<String>) -> Option<i32> {
    let request = parse(args, env)?;
    let doc = document(info);
    Some(match request {
        Request::Print(format) => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            match out
                .write_all(format.render(&doc).as_bytes())
                .and_then(|()| out.flush())
            {
                Ok(()) => 0,
                Err(e) => {
                    tracing::error!(error = %e, "cannot print the docs");
                    1
                }
            }
        }
        Request::Write(dir) => match write_docs(Path::new(&dir), &doc) {
            Ok(paths) => {
                for p in paths {
                    println!("{}", p.display());
                }
                0
            }
            Err(e) => {
                tracing::error!(error = %e, dir, "cannot write the docs");
                1
            }
        },
        Request::Bad(message) => {
            tracing::error!("{message}");
            eprintln!("{message}");
            2
        }
    })
}

/// Handles the docs flags of the running binary (see [`handle_cli_args`]):
/// when one is given, prints or writes the docs of every collected procedure
/// and topic and exits the process; otherwise returns and the binary goes on.
/// [`crate::run`] and [`crate::serve`] call it with [`Info::from_binary`];
/// call it first thing in `main` to name the service and to exit before
/// starting anything else.
pub fn handle_cli(info: &Info) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(code) = handle_cli_args(info, &args, std::env::var("WAMP_PRINT_SCHEMA").ok()) {
        std::process::exit(code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_flags() {
        assert_eq!(parse(&args(&["--other"]), None), None);
        assert_eq!(
            parse(&args(&["--print-schema", "md"]), None),
            Some(Request::Print(Format::Markdown))
        );
        assert_eq!(
            parse(&args(&["--print-schema=html"]), None),
            Some(Request::Print(Format::Html))
        );
        assert_eq!(
            parse(&args(&["--print-schema"]), None),
            Some(Request::Print(Format::Json))
        );
        assert_eq!(
            parse(&args(&["--write-docs", "out"]), None),
            Some(Request::Write("out".into()))
        );
        assert!(matches!(
            parse(&args(&["--print-schema", "pdf"]), None),
            Some(Request::Bad(_))
        ));
        assert_eq!(
            parse(&[], Some("asyncapi".into())),
            Some(Request::Print(Format::AsyncApi))
        );
    }
}
