//! `wamp`: a command-line WAMP client that knows the API it talks to.
//!
//! ```sh
//! wamp list                          # what the realm serves (reflection)
//! wamp describe com.math             # parameters, types, docs, errors
//! wamp call com.math.add 2 3         # checked against the schema, then called
//! wamp subscribe com.math.announcement --count 1
//! wamp publish com.math.announcement '{"from": "me", "text": "hi"}'
//! wamp register com.example.echo -- cat
//! ```

mod cli;
mod commands;
mod connect;
mod error;
mod reflection;
mod render;
mod schema;
mod values;

use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory as _, Parser as _};

use crate::cli::{Cli, Command};
use crate::error::CliError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Library logs on stderr, errors only unless RUST_LOG says otherwise.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error")),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Command::Completions { shell } = &cli.command {
        clap_complete::generate(*shell, &mut Cli::command(), "wamp", &mut std::io::stdout());
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wamp: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(run(cli));
    // Leftover tasks (a command still running for `register`) are not waited for.
    runtime.shutdown_timeout(Duration::from_millis(100));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wamp: {e}");
            ExitCode::from(e.code)
        }
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let session = cli.connect.join().await?;
    let outcome = match cli.command {
        Command::Call(a) => commands::call::run(&session, a).await,
        Command::Publish(a) => commands::publish::run(&session, a).await,
        Command::Subscribe(a) => commands::subscribe::run(&session, a).await,
        Command::Register(a) => commands::register::run(&session, a).await,
        Command::List => commands::meta::list(&session).await,
        Command::Describe { uri_or_prefix } => {
            commands::meta::describe(&session, uri_or_prefix.as_deref()).await
        }
        Command::Sessions { json } => commands::meta::sessions(&session, json).await,
        Command::Registrations { json } => commands::meta::registrations(&session, json).await,
        Command::Completions { .. } => Ok(()),
    };
    if !session.is_closed() {
        session.leave().await;
    }
    outcome
}
