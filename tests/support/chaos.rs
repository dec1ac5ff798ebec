//! Helpers of the chaos tests (`tests/chaos.rs`): routers and components as
//! real processes that can be killed, frozen and restarted, a caller keeping a
//! steady load with a bounded number of calls in flight, and the figures of a
//! run (calls ok, failed with an error, lost, executed twice).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value as J;
use tokio::task::JoinSet;
use wamp::client::JoinConfig;
use wamp::{CancellationToken, ErrorKind, Session};

use crate::interop::{Proc, free_port, require_peers, spec_dir};

/// The standalone router binary: `$WAMP_ROUTER_BIN`, or `wamp-router` in the
/// target directory of this test executable (which `cargo test --workspace`
/// builds). Panics with a clear message when it is missing (never skips).
pub fn router_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("WAMP_ROUTER_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("the test executable's path");
    // target/<profile>/deps/chaos-<hash> -> target/<profile>/wamp-router
    let path = exe
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("wamp-router"))
        .expect("the target directory");
    assert!(
        path.exists(),
        "the standalone router binary is missing at {}: build it with \
         `cargo build -p wamp-router` (`cargo test --workspace` does) or set WAMP_ROUTER_BIN",
        path.display()
    );
    path
}

/// Waits until something accepts TCP connections on `127.0.0.1:port`
/// (asynchronously, so that a scenario's overall timeout can end it).
pub async fn wait_for_port(port: u16, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        let connect = tokio::net::TcpStream::connect(("127.0.0.1", port));
        if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_millis(200), connect).await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// A router process (the standalone `wamp-router` or Crossbar.io) on a fixed
/// port, that can be killed with `kill -9` and started again on that port.
#[derive(Debug)]
pub struct RouterProc {
    /// The port of its WebSocket transport.
    pub port: u16,
    name: &'static str,
    command: Vec<String>,
    dir: PathBuf,
    starts: usize,
    proc: Option<Proc>,
}

impl RouterProc {
    /// Starts `wamp-router` with the TOML `config` (its listener is replaced
    /// by `--listen` on a free port); returns once the port accepts connections.
    pub async fn standalone(dir: &Path, config: &str) -> RouterProc {
        let port = free_port();
        let path = dir.join("router.toml");
        std::fs::write(&path, config).unwrap();
        let command = vec![
            router_bin().display().to_string(),
            "--config".into(),
            path.display().to_string(),
            "--listen".into(),
            format!("127.0.0.1:{port}"),
            "--log".into(),
            "info".into(),
        ];
        Self::launch("wamp-router", port, command, dir.to_owned()).await
    }

    /// Starts Crossbar.io with `tests/interop/crossbar-chaos.json` (one
    /// anonymous WebSocket transport on a free port); returns once it accepts
    /// connections.
    pub async fn crossbar(dir: &Path) -> RouterProc {
        let interop = require_peers();
        let port = free_port();
        let cbdir = dir.join("crossbar");
        std::fs::create_dir_all(&cbdir).unwrap();
        let config = std::fs::read_to_string(spec_dir().join("crossbar-chaos.json"))
            .unwrap()
            .replace("${WS_PORT}", &port.to_string());
        std::fs::write(cbdir.join("config.json"), config).unwrap();
        let command = vec![
            interop.join("venv/bin/crossbar").display().to_string(),
            "start".into(),
            "--cbdir".into(),
            cbdir.display().to_string(),
            "--loglevel".into(),
            "warn".into(),
        ];
        Self::launch("crossbar", port, command, cbdir).await
    }

    async fn launch(name: &'static str, port: u16, command: Vec<String>, dir: PathBuf) -> Self {
        let mut router = RouterProc {
            port,
            name,
            command,
            dir,
            starts: 0,
            proc: None,
        };
        router.restart().await;
        router
    }

    /// `ws://127.0.0.1:<port>/ws`.
    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/ws", self.port)
    }

    /// `kill -9` of the router's process group (Crossbar's controller and
    /// worker alike).
    pub fn kill9(&mut self) {
        if let Some(mut proc) = self.proc.take() {
            proc.kill_now();
        }
    }

    /// Starts the (killed or not yet started) router on its port; returns the
    /// instant its port accepted connections again.
    pub async fn restart(&mut self) -> Instant {
        assert!(self.proc.is_none(), "{} is still running", self.name);
        // A killed Crossbar leaves its pid file, which would make it refuse to start.
        let _ = std::fs::remove_file(self.dir.join("node.pid"));
        let mut cmd = Command::new(&self.command[0]);
        cmd.args(&self.command[1..]);
        let log = self.dir.join(format!("{}-{}.log", self.name, self.starts));
        self.starts += 1;
        let proc = Proc::spawn(self.name, cmd, &log);
        // Held before waiting: a scenario timeout drops (and kills) it.
        self.proc = Some(proc);
        if !wait_for_port(self.port, Duration::from_secs(60)).await {
            let tail = self
                .proc
                .as_ref()
                .map(Proc::stderr_tail)
                .unwrap_or_default();
            panic!(
                "{} did not listen on port {} within 60 s:\n{tail}",
                self.name, self.port
            );
        }
        Instant::now()
    }

    /// The last lines of its log.
    pub fn stderr_tail(&self) -> String {
        self.proc
            .as_ref()
            .map(Proc::stderr_tail)
            .unwrap_or_default()
    }
}

/// One process of `tests/bin/chaos_component.rs`, with the report lines it
/// printed so far.
#[derive(Debug)]
pub struct ComponentProc {
    /// Its instance name.
    pub name: String,
    proc: Proc,
    lines: Vec<J>,
}

impl ComponentProc {
    /// Starts the component binary `bin` as instance `name` with `args`
    /// (besides `--name`); stderr goes to `<dir>/<name>.log`.
    pub fn spawn(bin: &str, dir: &Path, name: &str, args: &[String]) -> ComponentProc {
        let mut cmd = Command::new(bin);
        cmd.arg("--name").arg(name).args(args);
        let proc = Proc::spawn(
            &format!("component {name}"),
            cmd,
            &dir.join(format!("{name}.log")),
        );
        ComponentProc {
            name: name.to_owned(),
            proc,
            lines: Vec::new(),
        }
    }

    /// Takes in the lines printed since the last look.
    pub fn collect(&mut self) {
        self.lines.extend(self.proc.drain_json_lines());
    }

    /// How many times it announced a join with everything registered.
    pub fn joins(&mut self) -> usize {
        self.collect();
        self.lines
            .iter()
            .filter(|l| l["ready"] == J::Bool(true))
            .count()
    }

    /// Waits until it has announced `n` joins.
    pub async fn wait_joins(&mut self, n: usize, within: Duration) {
        let deadline = Instant::now() + within;
        while self.joins() < n {
            assert!(
                Instant::now() < deadline,
                "component {}: not joined {n} time(s) within {within:?}; stderr:\n{}",
                self.name,
                self.proc.stderr_tail()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The call ids it executed, in order.
    pub fn executions(&mut self) -> Vec<u64> {
        self.collect();
        self.lines
            .iter()
            .filter_map(|l| l["exec"].as_u64())
            .collect()
    }

    /// The events it received.
    pub fn events(&mut self) -> Vec<u64> {
        self.collect();
        self.lines
            .iter()
            .filter_map(|l| l["event"].as_u64())
            .collect()
    }

    /// The underlying process (to signal or kill it).
    pub fn proc(&mut self) -> &mut Proc {
        &mut self.proc
    }

    /// The last lines of its log.
    pub fn stderr_tail(&self) -> String {
        self.proc.stderr_tail()
    }
}

/// Connects to `url` and joins `realm` (anonymous, all serializers offered).
pub async fn join(url: &str, realm: &str) -> Result<Session, wamp::Error> {
    let transport = wamp::transport::connect(url, &Default::default()).await?;
    Session::join(transport, JoinConfig::new(realm)).await
}

/// Joins, retrying every 50 ms until `within` has passed.
pub async fn join_retrying(url: &str, realm: &str, within: Duration) -> Session {
    let deadline = Instant::now() + within;
    loop {
        match tokio::time::timeout(Duration::from_secs(2), join(url, realm)).await {
            Ok(Ok(session)) => return session,
            Ok(Err(e)) if Instant::now() > deadline => panic!("cannot join {url}: {e}"),
            Err(_) if Instant::now() > deadline => panic!("cannot join {url}: timed out"),
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// Whether the router has a registration for `procedure`
/// (`wamp.registration.match`); `None` when the meta call failed.
pub async fn is_registered(session: &Session, procedure: &str) -> Option<bool> {
    let call = session.call("wamp.registration.match", &(procedure,));
    let result = tokio::time::timeout(Duration::from_secs(2), call)
        .await
        .ok()?
        .ok()?;
    Some(result.get::<Option<u64>>().ok()?.is_some())
}

/// Whether the router has a subscription an event on `topic` reaches
/// (`wamp.subscription.match`); `None` when the meta call failed.
pub async fn is_subscribed(session: &Session, topic: &str) -> Option<bool> {
    let call = session.call("wamp.subscription.match", &(topic,));
    let result = tokio::time::timeout(Duration::from_secs(2), call)
        .await
        .ok()?
        .ok()?;
    Some(
        result
            .get::<Option<Vec<u64>>>()
            .ok()?
            .is_some_and(|ids| !ids.is_empty()),
    )
}

/// Polls the meta API every 20 ms until every procedure is registered and
/// every topic subscribed; returns when that was first seen, or `None` after
/// `within`.
pub async fn wait_all_registered(
    session: &Session,
    procedures: &[String],
    topics: &[String],
    within: Duration,
) -> Option<Instant> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        let mut all = true;
        for p in procedures {
            all &= is_registered(session, p).await == Some(true);
        }
        for t in topics {
            all &= is_subscribed(session, t).await == Some(true);
        }
        if all {
            return Some(Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

/// How a call of the load ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A result from the named instance.
    Ok(String),
    /// An error with this URI and kind.
    Failed(String, ErrorKind),
    /// No answer within the call bound: the call hung.
    Lost,
}

/// One call of the load.
#[derive(Debug, Clone)]
pub struct CallRecord {
    /// Its unique id (the first argument of the call).
    pub id: u64,
    /// The procedure called.
    pub procedure: String,
    /// When it was sent.
    pub sent: Instant,
    /// When it ended.
    pub ended: Instant,
    /// How it ended.
    pub outcome: Outcome,
}

impl CallRecord {
    /// Whether it was sent before `t` and ended after it.
    pub fn in_flight_at(&self, t: Instant) -> bool {
        self.sent < t && self.ended > t
    }
}

/// What the load does.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// Router URL.
    pub url: String,
    /// Realm.
    pub realm: String,
    /// The procedures called, in turn.
    pub procedures: Vec<String>,
    /// Calls in flight at once (one task each).
    pub in_flight: usize,
    /// How long the callee works on each call, in milliseconds.
    pub work_ms: u64,
    /// A call without an answer after this long counts as lost.
    pub call_bound: Duration,
}

/// A caller keeping a steady load: `in_flight` tasks, each calling in turn
/// with a unique id and waiting for the answer (at most `call_bound`); a
/// connection task joins again whenever the session is lost, and leaves once
/// the load is finished.
#[derive(Debug)]
pub struct Load {
    records: Arc<Mutex<Vec<CallRecord>>>,
    stop: CancellationToken,
    leave: CancellationToken,
    tasks: JoinSet<()>,
    connector: tokio::task::JoinHandle<()>,
}

impl Load {
    /// Starts the load on the current tokio runtime.
    pub fn start(config: LoadConfig) -> Load {
        let config = Arc::new(config);
        let records = Arc::new(Mutex::new(Vec::new()));
        let stop = CancellationToken::new();
        let (tx, rx) = tokio::sync::watch::channel(None::<Session>);
        let mut tasks = JoinSet::new();
        let leave = CancellationToken::new();
        let connector = {
            let config = config.clone();
            let leave = leave.clone();
            tokio::spawn(async move {
                while !leave.is_cancelled() {
                    let joined = tokio::time::timeout(
                        Duration::from_secs(2),
                        join(&config.url, &config.realm),
                    )
                    .await;
                    let Ok(Ok(session)) = joined else {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    };
                    tx.send_replace(Some(session.clone()));
                    tokio::select! {
                        _ = session.closed() => {}
                        () = leave.cancelled() => {
                            session.leave().await;
                        }
                    }
                    tx.send_replace(None);
                }
            })
        };
        let next_id = Arc::new(AtomicU64::new(1));
        for _ in 0..config.in_flight {
            let config = config.clone();
            let stop = stop.clone();
            let mut rx = rx.clone();
            let records = records.clone();
            let next_id = next_id.clone();
            tasks.spawn(async move {
                while !stop.is_cancelled() {
                    let current = rx.borrow_and_update().clone();
                    let Some(session) = current.filter(|s| !s.is_closed()) else {
                        tokio::select! {
                            _ = rx.changed() => {}
                            () = tokio::time::sleep(Duration::from_millis(20)) => {}
                            () = stop.cancelled() => {}
                        }
                        continue;
                    };
                    let id = next_id.fetch_add(1, Ordering::SeqCst);
                    let procedure = &config.procedures[id as usize % config.procedures.len()];
                    let sent = Instant::now();
                    let call = session.call(procedure, &(id, config.work_ms));
                    let outcome = match tokio::time::timeout(config.call_bound, call).await {
                        Err(_) => Outcome::Lost,
                        Ok(Ok(result)) => Outcome::Ok(
                            result
                                .get::<String>()
                                .unwrap_or_else(|e| panic!("call {id}: not an instance name: {e}")),
                        ),
                        Ok(Err(e)) => Outcome::Failed(e.uri().to_owned(), e.kind()),
                    };
                    let failed = !matches!(outcome, Outcome::Ok(_));
                    records.lock().unwrap().push(CallRecord {
                        id,
                        procedure: procedure.clone(),
                        sent,
                        ended: Instant::now(),
                        outcome,
                    });
                    if failed {
                        // No hot loop while nothing serves the procedure.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            });
        }
        Load {
            records,
            stop,
            leave,
            tasks,
            connector,
        }
    }

    /// The calls that ended so far.
    pub fn records(&self) -> Vec<CallRecord> {
        self.records.lock().unwrap().clone()
    }

    /// Waits until a call sent after `since` got a result from `instance`;
    /// returns when it ended, or `None` after `within`.
    pub async fn wait_served_by(
        &self,
        instance: &str,
        since: Instant,
        within: Duration,
    ) -> Option<Instant> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            let first = self
                .records
                .lock()
                .unwrap()
                .iter()
                .filter(|r| r.sent > since && r.outcome == Outcome::Ok(instance.to_owned()))
                .map(|r| r.ended)
                .min();
            if first.is_some() {
                return first;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        None
    }

    /// Stops making calls, waits until every call in flight has ended, and
    /// returns them all.
    pub async fn finish(mut self) -> Vec<CallRecord> {
        self.stop.cancel();
        while let Some(r) = self.tasks.join_next().await {
            r.expect("a load task panicked");
        }
        // Every call ended: the caller leaves.
        self.leave.cancel();
        (&mut self.connector)
            .await
            .expect("the connection task panicked");
        let mut records = self.records.lock().unwrap().clone();
        records.sort_by_key(|r| r.id);
        records
    }
}

/// The figures of a chaos run.
#[derive(Debug, Default)]
pub struct Figures {
    /// Calls answered with a result.
    pub ok: usize,
    /// Calls answered with an error.
    pub failed: usize,
    /// Calls without an answer within the bound.
    pub lost: usize,
    /// Call ids executed more than once (over every instance).
    pub executed_twice: usize,
    /// Results from an instance that never reported executing that call.
    pub answered_unexecuted: usize,
    /// Errors by URI.
    pub errors: BTreeMap<String, usize>,
    /// Results by instance.
    pub by_instance: BTreeMap<String, usize>,
}

impl Figures {
    /// Counts the outcomes of `records` against the executions each instance
    /// reported (`instance -> call ids`).
    pub fn of(records: &[CallRecord], executions: &HashMap<String, Vec<u64>>) -> Figures {
        let mut f = Figures::default();
        let mut runs: HashMap<u64, Vec<&str>> = HashMap::new();
        for (instance, ids) in executions {
            for id in ids {
                runs.entry(*id).or_default().push(instance);
            }
        }
        f.executed_twice = runs.values().filter(|v| v.len() > 1).count();
        for r in records {
            match &r.outcome {
                Outcome::Ok(instance) => {
                    f.ok += 1;
                    *f.by_instance.entry(instance.clone()).or_default() += 1;
                    if !runs
                        .get(&r.id)
                        .is_some_and(|v| v.contains(&instance.as_str()))
                    {
                        f.answered_unexecuted += 1;
                    }
                }
                Outcome::Failed(uri, _) => {
                    f.failed += 1;
                    *f.errors.entry(uri.clone()).or_default() += 1;
                }
                Outcome::Lost => f.lost += 1,
            }
        }
        f
    }

    /// The figures line of a scenario.
    pub fn line(&self, scenario: &str, what: &str) -> String {
        format!(
            "chaos: {scenario}: {what}; calls ok {}, failed with error {}, lost {}, \
             executed twice {} (results by instance {:?}, errors {:?})",
            self.ok, self.failed, self.lost, self.executed_twice, self.by_instance, self.errors
        )
    }

    /// Asserts that nothing was lost, executed twice or answered unexecuted.
    #[track_caller]
    pub fn assert_exact(&self, scenario: &str) {
        assert_eq!(self.lost, 0, "{scenario}: calls lost (hung)");
        assert_eq!(self.executed_twice, 0, "{scenario}: calls executed twice");
        assert_eq!(
            self.answered_unexecuted, 0,
            "{scenario}: results for calls the instance never executed"
        );
        assert!(self.ok > 0, "{scenario}: no call succeeded");
    }
}

/// The executions every component reported, by instance.
pub fn executions(components: &mut [ComponentProc]) -> HashMap<String, Vec<u64>> {
    components
        .iter_mut()
        .map(|c| (c.name.clone(), c.executions()))
        .collect()
}
