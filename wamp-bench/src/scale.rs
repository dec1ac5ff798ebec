//! `wamp-bench scale`: many idle sessions on one router.
//!
//! ```text
//! cargo build --release -p wamp-router
//! cargo run --release -p wamp-bench -- scale --sessions 10000
//! ```
//!
//! Starts the standalone `wamp-router` binary (found beside this executable,
//! or `--router PATH`) as a child process with a generated TOML config whose
//! connection and session limits fit the run, after raising this process's
//! `RLIMIT_NOFILE` to its hard limit (the child inherits it). Then:
//!
//! 1. two sessions (a callee over RawSocket/MessagePack, a caller over
//!    WebSocket/JSON) measure sequential call latency on the empty router;
//! 2. `--sessions` idle sessions join, alternately JSON over WebSocket and
//!    MessagePack over RawSocket, `--concurrency` joins in flight: join rate;
//! 3. the same calls again while all of them are connected;
//! 4. every idle session is closed, and the router must still be alive, serve
//!    the call pair and let a new session join.
//!
//! The router's resident memory (VmRSS of /proc/PID/status, settled) is read
//! before the idle sessions join, with all of them joined and after they
//! closed. Every session must join (WELCOME) and every call must return its
//! right result, or the run fails. `--in-process` runs the router on a
//! thread of this process instead (the RSS figures are then the whole
//! process's, clients included); the tests use it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use futures_util::{StreamExt, TryStreamExt};
use wamp::SerializerKind;

use crate::peer::{BenchError, Peer};
use crate::router_thread::{REALM, RouterThread, Server};
use crate::rpc;

/// The procedure of the call pair.
const PROCEDURE: &str = "bench.scale.add";

/// Many idle sessions on one router: join rate, memory per session, call
/// latency while they are connected.
#[derive(Debug, Clone, Parser)]
#[command(name = "wamp-bench scale")]
pub(crate) struct ScaleCli {
    /// Idle sessions to hold.
    #[arg(long, default_value_t = 10_000)]
    pub(crate) sessions: usize,
    /// Sequential calls measured before and while the sessions are connected.
    #[arg(long, default_value_t = 5_000)]
    pub(crate) calls: u64,
    /// Joins in flight at once.
    #[arg(long, default_value_t = 200)]
    pub(crate) concurrency: usize,
    /// A short smoke run: 200 sessions and 500 calls (overrides both).
    #[arg(long)]
    pub(crate) quick: bool,
    /// The `wamp-router` binary (default: beside this executable).
    #[arg(long)]
    pub(crate) router: Option<PathBuf>,
    /// Run the router on a thread of this process (default limits: at most
    /// 9,990 sessions; RSS is then the whole process's).
    #[arg(long)]
    pub(crate) in_process: bool,
}

impl ScaleCli {
    fn sessions(&self) -> usize {
        if self.quick { 200 } else { self.sessions }
    }

    fn calls(&self) -> u64 {
        if self.quick { 500 } else { self.calls.max(10) }
    }
}

/// The figures of one run, every one checked.
#[derive(Debug, Clone)]
pub(crate) struct ScaleReport {
    /// Idle sessions joined (always all of them).
    pub(crate) sessions: usize,
    /// Idle sessions joined per second.
    pub(crate) join_rate: f64,
    /// Router VmRSS before the idle sessions joined, in bytes.
    pub(crate) rss_before: u64,
    /// Router VmRSS with every idle session joined.
    pub(crate) rss_joined: u64,
    /// Router VmRSS after they closed.
    pub(crate) rss_closed: u64,
    /// Call latency p50 and p99 on the empty router.
    pub(crate) empty: (Duration, Duration),
    /// Call latency p50 and p99 with every idle session joined.
    pub(crate) loaded: (Duration, Duration),
    /// Sequential calls per second with every idle session joined.
    pub(crate) loaded_rate: f64,
}

impl ScaleReport {
    /// Router memory per idle session, in bytes.
    pub(crate) fn per_session(&self) -> f64 {
        self.rss_joined.saturating_sub(self.rss_before) as f64 / self.sessions.max(1) as f64
    }
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit and returns it.
fn raise_nofile() -> Result<libc::rlim_t, BenchError> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid, writable rlimit for the duration of the call.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return Err(format!(
            "getrlimit(NOFILE): {}",
            std::io::Error::last_os_error()
        ));
    }
    if lim.rlim_cur < lim.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: lim.rlim_max,
            rlim_max: lim.rlim_max,
        };
        // SAFETY: `raised` is a valid rlimit; only this process's limit changes.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
            return Err(format!(
                "setrlimit(NOFILE, {}): {}",
                lim.rlim_max,
                std::io::Error::last_os_error()
            ));
        }
        lim = raised;
    }
    Ok(lim.rlim_cur)
}

/// A field of /proc/PID/status in bytes (`VmRSS`).
fn status_of(pid: u32, field: &str) -> Result<u64, BenchError> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {path}: {e}"))?;
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kib| kib * 1024)
        .ok_or_else(|| format!("no {field} in {path}"))
}

/// The config of the child router: one open realm, limits that fit
/// `sessions` plus the call pair, keepalive pings later than the run.
fn config_text(sessions: usize) -> String {
    let limit = sessions + 64;
    format!(
        "[limits]\n\
         connections_per_listener = {limit}\n\
         sessions_per_realm = {limit}\n\
         \n\
         [keepalive]\n\
         interval_secs = 3600\n\
         \n\
         [[listener]]\n\
         address = \"127.0.0.1:0\"\n\
         serializers = [\"json\", \"msgpack\"]\n\
         \n\
         [[realm]]\n\
         name = \"{REALM}\"\n"
    )
}

/// The router under test.
enum RouterUnderTest {
    /// The `wamp-router` binary, with its config file.
    Child {
        child: Child,
        config: PathBuf,
        addr: String,
    },
    /// The embedded router on a thread of this process.
    Thread(RouterThread),
}

impl RouterUnderTest {
    fn start_child(bin: &Path, sessions: usize) -> Result<RouterUnderTest, BenchError> {
        let config =
            std::env::temp_dir().join(format!("wamp-bench-scale-{}.toml", std::process::id()));
        std::fs::write(&config, config_text(sessions))
            .map_err(|e| format!("writing {}: {e}", config.display()))?;
        let mut child = Command::new(bin)
            .arg("--config")
            .arg(&config)
            .args(["--listen", "127.0.0.1:0", "--log", "warn"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", bin.display()))?;
        let mut stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        let mut line = String::new();
        let _ = stdout.read_line(&mut line);
        // Keep draining stdout so that the router never writes into a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        // "listening on 127.0.0.1:PORT: ws://127.0.0.1:PORT/ws rs://127.0.0.1:PORT"
        let addr = line
            .strip_prefix("listening on ")
            .and_then(|rest| rest.split(": ").next())
            .map(str::to_owned);
        let router = RouterUnderTest::Child {
            child,
            config,
            addr: addr.clone().unwrap_or_default(),
        };
        match addr {
            Some(_) => Ok(router),
            None => Err(format!(
                "{} did not start (first line {line:?})",
                bin.display()
            )),
        }
    }

    fn addr(&self) -> String {
        match self {
            RouterUnderTest::Child { addr, .. } => addr.clone(),
            RouterUnderTest::Thread(t) => t.addr.to_string(),
        }
    }

    fn pid(&self) -> u32 {
        match self {
            RouterUnderTest::Child { child, .. } => child.id(),
            RouterUnderTest::Thread(_) => std::process::id(),
        }
    }

    /// Fails when the child router has exited.
    fn check_alive(&mut self) -> Result<(), BenchError> {
        if let RouterUnderTest::Child { child, .. } = self
            && let Some(status) = child.try_wait().map_err(|e| e.to_string())?
        {
            return Err(format!("the router exited: {status}"));
        }
        Ok(())
    }

    /// VmRSS once it stops moving (two reads 200 ms apart within 64 KiB), at most 4 s.
    async fn settled_rss(&self) -> Result<u64, BenchError> {
        let mut last = status_of(self.pid(), "VmRSS")?;
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let now = status_of(self.pid(), "VmRSS")?;
            if now.abs_diff(last) < 64 * 1024 {
                return Ok(now);
            }
            last = now;
        }
        Ok(last)
    }
}

impl Drop for RouterUnderTest {
    fn drop(&mut self) {
        if let RouterUnderTest::Child { child, config, .. } = self {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_file(config);
        }
    }
}

/// The `wamp-router` binary beside this executable (or one level up, for a
/// test binary in `target/*/deps`).
fn find_router() -> Result<PathBuf, BenchError> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let dir = exe.parent().ok_or("no executable directory")?;
    let candidates = [dir.join("wamp-router"), dir.join("../wamp-router")];
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| {
            format!(
                "no wamp-router binary in {}: build it first (`cargo build --release -p wamp-router`), or pass --router PATH",
                dir.display()
            )
        })
}

/// The transport and serializer of idle session `i`: JSON over WebSocket and
/// MessagePack over RawSocket, alternately.
fn url_of(addr: &str, i: usize) -> (String, SerializerKind) {
    if i.is_multiple_of(2) {
        (format!("ws://{addr}/ws"), SerializerKind::Json)
    } else {
        (format!("rs://{addr}"), SerializerKind::MsgPack)
    }
}

/// `n` sequential checked calls from a new caller (WebSocket/JSON): p50,
/// p99 and calls/s.
async fn calls(addr: &str, n: u64) -> Result<((Duration, Duration), f64), BenchError> {
    let caller = Peer::join(&format!("ws://{addr}/ws"), SerializerKind::Json, REALM).await?;
    let sample = rpc::sequential(caller, PROCEDURE, n, n / 10).await?;
    let latency = sample.latency.ok_or("no latency measured")?;
    Ok((latency, sample.rate))
}

/// Joins `n` idle sessions, `concurrency` at a time; fails unless all join.
async fn join_idle(addr: &str, n: usize, concurrency: usize) -> Result<Vec<Peer>, BenchError> {
    futures_util::stream::iter(0..n)
        .map(|i| {
            let (url, kind) = url_of(addr, i);
            async move {
                Peer::join(&url, kind, REALM)
                    .await
                    .map_err(|e| format!("idle session {i} ({url}, {kind}): {e}"))
            }
        })
        .buffer_unordered(concurrency.max(1))
        .try_collect()
        .await
}

/// One scale run against `router`.
async fn run_on(cli: &ScaleCli, router: &mut RouterUnderTest) -> Result<ScaleReport, BenchError> {
    let addr = router.addr();
    let sessions = cli.sessions();
    let n = cli.calls();

    let mut callee = Peer::join(&format!("rs://{addr}"), SerializerKind::MsgPack, REALM).await?;
    callee.register(PROCEDURE).await?;
    let callee = tokio::spawn(rpc::callee(callee));

    let (empty, _) = calls(&addr, n).await?;
    let rss_before = router.settled_rss().await?;

    let started = Instant::now();
    let idle = join_idle(&addr, sessions, cli.concurrency).await?;
    let join_time = started.elapsed();
    if idle.len() != sessions {
        return Err(format!("{} of {sessions} sessions joined", idle.len()));
    }
    let rss_joined = router.settled_rss().await?;
    router.check_alive()?;

    let (loaded, loaded_rate) = calls(&addr, n).await?;
    router.check_alive()?;

    drop(idle);
    // The router must take the closes, still route and still admit.
    let rss_closed = router.settled_rss().await?;
    router.check_alive()?;
    calls(&addr, 100).await?;
    let mut fresh = Peer::join(&format!("rs://{addr}"), SerializerKind::Json, REALM).await?;
    fresh.subscribe("bench.scale.health").await?;
    router.check_alive()?;
    if callee.is_finished() {
        return Err(format!("the callee stopped: {:?}", callee.await));
    }
    callee.abort();

    Ok(ScaleReport {
        sessions,
        join_rate: sessions as f64 / join_time.as_secs_f64().max(1e-9),
        rss_before,
        rss_joined,
        rss_closed,
        empty,
        loaded,
        loaded_rate,
    })
}

/// Runs the scale mode as configured, router and client runtime included.
pub(crate) fn run(cli: &ScaleCli) -> Result<ScaleReport, BenchError> {
    let sessions = cli.sessions();
    let nofile = raise_nofile()?;
    // Each idle session holds one descriptor here (and one in the router);
    // leave room for the call pair, the runtime and the listener.
    if (sessions as libc::rlim_t) + 64 > nofile {
        return Err(format!(
            "RLIMIT_NOFILE is {nofile}: too low for {sessions} sessions (raise the hard limit)"
        ));
    }
    let mut router = if cli.in_process {
        if sessions + 10 > wamp::router::Limits::default().connections_per_listener {
            return Err("--in-process keeps the default limits: use fewer sessions".into());
        }
        RouterUnderTest::Thread(RouterThread::start(Server::Router)?)
    } else {
        let bin = match &cli.router {
            Some(p) => p.clone(),
            None => find_router()?,
        };
        RouterUnderTest::start_child(&bin, sessions)?
    };
    let clients = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("client runtime: {e}"))?;
    clients.block_on(run_on(cli, &mut router))
}

fn kib(bytes: f64) -> String {
    format!("{:.1} KiB", bytes / 1024.0)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn us(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1e6)
}

/// `wamp-bench scale ...`: runs and prints a table.
pub(crate) fn main(args: impl Iterator<Item = String>) -> ExitCode {
    let cli = ScaleCli::parse_from(args);
    println!(
        "wamp-bench scale: {} idle sessions (ws/json and rs/msgpack alternately, {} joins in flight), {} calls per round, router {}; load average {}",
        cli.sessions(),
        cli.concurrency,
        cli.calls(),
        if cli.in_process {
            "in this process"
        } else {
            "in a child process"
        },
        crate::load_average()
    );
    match run(&cli) {
        Ok(r) => {
            println!("| figure | value |");
            println!("|---|---:|");
            println!("| idle sessions joined | {} |", r.sessions);
            println!("| join rate | {:.0} sessions/s |", r.join_rate);
            println!("| router RSS before | {} |", mib(r.rss_before));
            println!("| router RSS, all joined | {} |", mib(r.rss_joined));
            println!("| router RSS per idle session | {} |", kib(r.per_session()));
            println!("| router RSS after they closed | {} |", mib(r.rss_closed));
            println!(
                "| call p50 / p99, empty router | {} / {} µs |",
                us(r.empty.0),
                us(r.empty.1)
            );
            println!(
                "| call p50 / p99, all joined | {} / {} µs ({:.0} calls/s) |",
                us(r.loaded.0),
                us(r.loaded.1),
                r.loaded_rate
            );
            println!(
                "every session joined, every call checked, router healthy after the closes; load average {}",
                crate::load_average()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("wamp-bench scale: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small scale run on the embedded router: every session joins, every
    /// call is right, the router serves after the closes.
    #[test]
    fn small_scale_run_in_process() {
        let cli = ScaleCli::parse_from([
            "scale",
            "--sessions",
            "150",
            "--calls",
            "50",
            "--in-process",
        ]);
        let report = run(&cli).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.sessions, 150);
        assert!(report.rss_joined > 0 && report.rss_before > 0);
    }

    #[test]
    fn config_raises_the_limits_above_the_sessions() {
        let text = config_text(10_000);
        assert!(text.contains("connections_per_listener = 10064"));
        assert!(text.contains("sessions_per_realm = 10064"));
    }
}
