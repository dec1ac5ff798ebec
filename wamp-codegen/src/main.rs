//! `wamp-codegen`: typed clients from a service's catalog, and drift checks.
//!
//! ```sh
//! wamp-codegen rust api/math.catalog.json -o src/math.rs
//! wamp-codegen typescript api/math.catalog.json -o web/math.ts
//! wamp-codegen check --baseline api/math.catalog.json --current new.catalog.json
//! wamp-codegen check --baseline api/math.catalog.json --service target/debug/math_service
//! ```
//!
//! `check` exits with 1 when a change is breaking, 0 otherwise, 2 when it
//! cannot read a catalog.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::{Args, Parser, Subcommand};
use wamp_codegen::{Catalog, Error, drift};

/// The largest catalog read from stdin or a service (bytes).
const MAX_INPUT: u64 = 64 * 1024 * 1024;

#[derive(Parser)]
#[command(
    name = "wamp-codegen",
    version,
    about = "Typed WAMP clients from a service's catalog, and drift checks between catalogs"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Generates the Rust client (types and one module per procedure and topic).
    Rust(Generate),
    /// Generates TypeScript types and wrappers around an autobahn-js session.
    #[command(alias = "ts")]
    Typescript(Generate),
    /// Compares a baseline catalog with the current one; exits with 1 on a breaking change.
    Check(Check),
}

#[derive(Args)]
struct Generate {
    /// The catalog (`--print-schema json` of the service).
    catalog: PathBuf,
    /// The file to write (default: stdout).
    #[arg(short, long)]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct Check {
    /// The catalog the clients were built against (checked in).
    #[arg(long)]
    baseline: PathBuf,
    /// The current catalog (`-` for stdin).
    #[arg(long, conflicts_with = "service", required_unless_present = "service")]
    current: Option<PathBuf>,
    /// A service binary to ask for its current catalog (runs it with
    /// `--print-schema json`).
    #[arg(long)]
    service: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("wamp-codegen: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cmd: Cmd) -> Result<ExitCode, Error> {
    match cmd {
        Cmd::Rust(g) => {
            let code = wamp_codegen::rust::generate(&Catalog::read(&g.catalog)?)?;
            write_out(g.output.as_deref(), &code)?;
        }
        Cmd::Typescript(g) => {
            let code = wamp_codegen::typescript::generate(&Catalog::read(&g.catalog)?)?;
            write_out(g.output.as_deref(), &code)?;
        }
        Cmd::Check(c) => {
            let baseline = Catalog::read(&c.baseline)?;
            let current = match (&c.current, &c.service) {
                (Some(p), _) if p.as_os_str() == "-" => Catalog::parse(&read_stdin()?)?,
                (Some(p), _) => Catalog::read(p)?,
                (None, Some(bin)) => Catalog::parse(&ask_service(bin)?)?,
                (None, None) => unreachable!("clap requires --current or --service"),
            };
            let report = drift::compare(&baseline, &current);
            print!("{report}");
            if report.is_breaking() {
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn write_out(path: Option<&Path>, text: &str) -> Result<(), Error> {
    match path {
        Some(p) => std::fs::write(p, text).map_err(|source| Error::Io {
            path: p.to_owned(),
            source,
        }),
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|source| Error::Io {
                path: "<stdout>".into(),
                source,
            }),
    }
}

fn read_stdin() -> Result<String, Error> {
    let mut text = String::new();
    std::io::stdin()
        .take(MAX_INPUT)
        .read_to_string(&mut text)
        .map_err(|source| Error::Io {
            path: "<stdin>".into(),
            source,
        })?;
    Ok(text)
}

/// Runs `bin --print-schema json` and returns what it printed.
fn ask_service(bin: &Path) -> Result<String, Error> {
    let out = Command::new(bin)
        .args(["--print-schema", "json"])
        .output()
        .map_err(|source| Error::Io {
            path: bin.to_owned(),
            source,
        })?;
    if !out.status.success() {
        return Err(Error::Catalog(format!(
            "{} --print-schema json failed ({}): {}",
            bin.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    String::from_utf8(out.stdout).map_err(|_| {
        Error::Catalog(format!(
            "{} printed a catalog that is not UTF-8",
            bin.display()
        ))
    })
}
