//! `wamp-router`: the standalone WAMP v2 router.
//!
//! ```text
//! cargo run -p wamp-router -- --config wamp-router/router.toml
//! ```
//!
//! Reads a TOML config (realms, roles, authentication, limits and
//! `[[listener]]`s), serves WebSocket and RawSocket with every configured
//! serializer, logs via `tracing`, and on Ctrl-C (or SIGTERM) says GOODBYE
//! (`wamp.close.system_shutdown`) to every session before exiting with status 0.
//!
//! `wamp-router hash-ticket` reads a ticket from stdin and prints its salted
//! hash (a PHC string) for `ticket_hash` in the config.

mod admin;
mod config;
mod server;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use server::Server;

/// How long connections get to flush their GOODBYE and close on shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Standalone WAMP v2 router (broker and dealer).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// TOML config file (see wamp-router/router.toml). Without it: realm
    /// `realm1`, open, on 127.0.0.1:8080.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Listen on this address instead of the first listener's (e.g. 127.0.0.1:0).
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Log filter, as RUST_LOG (e.g. `info`, `wamp=debug`); default: RUST_LOG, else `info`.
    #[arg(long, value_name = "FILTER")]
    log: Option<String>,
    /// A tool instead of the router.
    #[command(subcommand)]
    command: Option<Command>,
}

/// Tools of the router binary.
#[derive(Debug, Subcommand)]
enum Command {
    /// Read a ticket from stdin (its first line) and print its salted hash
    /// (PBKDF2-SHA256, PHC string) for `ticket_hash` in the config.
    HashTicket,
}

/// `hash-ticket`: the PHC string of the ticket on stdin's first line.
fn hash_ticket() -> Result<String, String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the ticket from stdin: {e}"))?;
    let ticket = line.strip_suffix('\n').unwrap_or(&line);
    let ticket = ticket.strip_suffix('\r').unwrap_or(ticket);
    if ticket.is_empty() {
        return Err("no ticket on stdin (write it as the first line)".into());
    }
    Ok(wamp::router::hash_ticket(ticket))
}

fn init_logging(filter: Option<&str>) -> Result<(), String> {
    let filter = match filter {
        Some(f) => EnvFilter::try_new(f).map_err(|e| format!("invalid --log filter `{f}`: {e}"))?,
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    Ok(())
}

fn load_config(cli: &Cli) -> Result<config::FileConfig, config::ConfigError> {
    let mut config = match &cli.config {
        Some(path) => config::load(path)?,
        None => config::FileConfig {
            router: wamp::router::RouterConfig {
                realms: vec![wamp::router::RealmConfig::open("realm1")],
                ..Default::default()
            },
            listeners: Vec::new(),
            admin: Default::default(),
        },
    };
    config.override_listen(cli.listen);
    Ok(config)
}

/// Resolves on Ctrl-C, or SIGTERM on unix.
async fn terminated() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}

async fn run(cli: Cli) -> Result<(), String> {
    let config = load_config(&cli).map_err(|e| e.to_string())?;
    let realms: Vec<&str> = config
        .router
        .realms
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    tracing::info!(?realms, "starting WAMP router");
    let server = Server::start(config.clone())
        .await
        .map_err(|e| e.to_string())?;
    if let Some(addr) = &server.admin {
        tracing::info!(%addr, "admin endpoints");
        // One line on stdout, for scripts and tests.
        println!("admin on http://{addr}/ (/metrics /healthz /readyz)");
    }
    for (addr, tls) in &server.bound {
        let (ws, rs) = if *tls { ("wss", "rss") } else { ("ws", "rs") };
        tracing::info!(%addr, "listening");
        // One line on stdout per listener, for scripts and tests.
        println!("listening on {addr}: {ws}://{addr}/ws {rs}://{addr}");
    }
    for path in &server.unix {
        let path = path.display();
        tracing::info!(%path, "listening on a Unix socket");
        println!("listening on unix:{path}: ws+unix://{path} rs+unix://{path}");
    }
    terminated().await;
    tracing::info!("signal received");
    if server.shutdown(SHUTDOWN_GRACE).await {
        tracing::info!("every session closed; bye");
    } else {
        tracing::warn!("some connections did not close within {:?}", SHUTDOWN_GRACE);
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::HashTicket) = cli.command {
        return match hash_ticket() {
            Ok(hash) => {
                println!("{hash}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("wamp-router: {e}");
                ExitCode::from(2)
            }
        };
    }
    if let Err(e) = init_logging(cli.log.as_deref()) {
        eprintln!("wamp-router: {e}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wamp-router: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wamp-router: {e}");
            ExitCode::FAILURE
        }
    }
}
