//! Child processes of the interop tests: Crossbar.io, Autobahn|Python and
//! autobahn-js/wampy peers (installed into `.interop/` by
//! `scripts/interop-install.sh`), each in its own process group that is killed
//! when its guard drops, also when a test fails.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value as J;

/// Where the peers are installed: `$WAMP_INTEROP_DIR` or `.interop/` in the repository.
pub fn interop_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WAMP_INTEROP_DIR") {
        return PathBuf::from(dir);
    }
    repo_dir().join(".interop")
}

/// The repository's root directory.
pub fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The peer scripts and the Crossbar config (`tests/interop/`).
pub fn spec_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("interop")
}

/// Panics with a clear message when the peers are not installed (never skips).
pub fn require_peers() -> PathBuf {
    let dir = interop_dir();
    for needed in [
        "venv/bin/crossbar",
        "venv/bin/python",
        "node_modules/autobahn/package.json",
        "node_modules/wampy/package.json",
    ] {
        assert!(
            dir.join(needed).exists(),
            "interop peers missing: {} not found; run scripts/interop-install.sh \
             (scripts/test.sh does it) or set WAMP_INTEROP_DIR",
            dir.join(needed).display()
        );
    }
    dir
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something accepts TCP connections on `127.0.0.1:port`.
pub fn wait_for_port(port: u16, timeout: Duration) -> bool {
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

static CHECKS: AtomicUsize = AtomicUsize::new(0);

/// Counts interop checks; every assertion of a test goes through one.
#[derive(Debug)]
pub struct Checks {
    name: &'static str,
    count: usize,
}

impl Checks {
    /// A counter for the test `name`.
    pub fn new(name: &'static str) -> Self {
        Self { name, count: 0 }
    }

    /// Asserts `left == right` and counts the check.
    #[track_caller]
    pub fn eq<T: PartialEq + std::fmt::Debug>(&mut self, what: &str, left: T, right: T) {
        assert_eq!(left, right, "interop check failed: {what}");
        self.count += 1;
    }

    /// Asserts `cond` and counts the check.
    #[track_caller]
    pub fn ok(&mut self, what: &str, cond: bool) {
        assert!(cond, "interop check failed: {what}");
        self.count += 1;
    }

    /// How many checks passed so far.
    pub fn count(&self) -> usize {
        self.count
    }
}

impl Drop for Checks {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let total = CHECKS.fetch_add(self.count, Ordering::SeqCst) + self.count;
            println!(
                "interop: {} checks passed in {} (this test binary: {total})",
                self.count, self.name
            );
        }
    }
}

/// A child process in its own process group; the group is killed on drop.
#[derive(Debug)]
pub struct Proc {
    name: String,
    child: Child,
    lines: mpsc::Receiver<String>,
    stderr_log: PathBuf,
}

impl Proc {
    /// Starts `cmd` in a new process group; stdout lines are read by [`Proc::json_line`],
    /// stderr goes to `log`.
    pub fn spawn(name: &str, mut cmd: Command, log: &Path) -> Proc {
        use std::os::unix::process::CommandExt;
        let err = File::create(log).unwrap();
        cmd.process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(err));
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Proc {
            name: name.into(),
            child,
            lines: rx,
            stderr_log: log.to_owned(),
        }
    }

    /// The next stdout line that is a JSON object, within `timeout`.
    #[track_caller]
    pub fn json_line(&mut self, timeout: Duration) -> J {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => match serde_json::from_str::<J>(&line) {
                    Ok(v @ J::Object(_)) => return v,
                    _ => continue,
                },
                Err(e) => panic!(
                    "{}: no output line within {timeout:?} ({e}); stderr:\n{}",
                    self.name,
                    self.stderr_tail()
                ),
            }
        }
    }

    /// The next JSON line other than `{"event": "started"}` (what a Python
    /// callee prints when its `slow` procedure starts).
    #[track_caller]
    pub fn json_line_after_start(&mut self, timeout: Duration) -> J {
        loop {
            let line = self.json_line(timeout);
            if line != serde_json::json!({"event": "started"}) {
                return line;
            }
        }
    }

    /// Waits for a line with `"ready": true`.
    #[track_caller]
    pub fn ready(&mut self, timeout: Duration) -> J {
        let line = self.json_line(timeout);
        assert_eq!(
            line["ready"],
            J::Bool(true),
            "{}: expected a ready line, got {line}; stderr:\n{}",
            self.name,
            self.stderr_tail()
        );
        line
    }

    /// Collects `{"check": name, ...}` lines until `{"done": true}`, then waits
    /// for a clean exit.
    #[track_caller]
    pub fn results(mut self, timeout: Duration) -> HashMap<String, J> {
        let deadline = Instant::now() + timeout;
        let mut out = HashMap::new();
        loop {
            let line = self.json_line(deadline.saturating_duration_since(Instant::now()));
            if line["done"] == J::Bool(true) {
                break;
            }
            match line["check"].as_str() {
                Some(name) => {
                    out.insert(name.to_owned(), line);
                }
                None => panic!(
                    "{}: unexpected output {line}; stderr:\n{}",
                    self.name,
                    self.stderr_tail()
                ),
            }
        }
        let status = self.wait(deadline.saturating_duration_since(Instant::now()));
        assert!(
            status.success(),
            "{} exited with {status}; stderr:\n{}",
            self.name,
            self.stderr_tail()
        );
        out
    }

    /// Waits for the process to exit (panics after `timeout`).
    #[track_caller]
    pub fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                panic!(
                    "{} did not exit within {timeout:?}; stderr:\n{}",
                    self.name,
                    self.stderr_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the process group: SIGTERM, then SIGKILL after `grace`.
    pub fn stop(&mut self, grace: Duration) {
        let pgid = self.child.id() as i32;
        // SAFETY: plain syscalls on the process group we created.
        unsafe { libc::killpg(pgid, libc::SIGTERM) };
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // Whatever is left of the group (the leader, or workers it left behind).
        unsafe { libc::killpg(pgid, libc::SIGKILL) };
        let _ = self.child.wait();
    }

    /// The last lines the process wrote to stderr.
    pub fn stderr_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.stderr_log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(3));
    }
}

/// What the chaos tests (`tests/chaos.rs`) do to a process besides starting and stopping it.
impl Proc {
    /// The process id, which is also its process group id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (e.g. `libc::SIGSTOP`) to the process group.
    pub fn signal(&self, signal: i32) {
        // SAFETY: a plain syscall on the process group we created.
        unsafe { libc::killpg(self.child.id() as i32, signal) };
    }

    /// `kill -9` of the process group, then waits until the leader is gone
    /// (at once: SIGKILL cannot be caught).
    pub fn kill_now(&mut self) {
        self.signal(libc::SIGKILL);
        let _ = self.child.wait();
    }

    /// Every stdout line that is a JSON object, received so far, without waiting.
    pub fn drain_json_lines(&mut self) -> Vec<J> {
        let mut out = Vec::new();
        while let Ok(line) = self.lines.try_recv() {
            if let Ok(v @ J::Object(_)) = serde_json::from_str::<J>(&line) {
                out.push(v);
            }
        }
        out
    }
}

/// A scratch directory for configs and logs, removed at the end.
pub fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("wamp-interop-")
        .tempdir()
        .unwrap()
}

static PEERS: AtomicUsize = AtomicUsize::new(0);

/// Starts the Autobahn|Python peer (`tests/interop/peer.py`) with `args`.
pub fn python_peer(dir: &Path, args: &[&str]) -> Proc {
    let n = PEERS.fetch_add(1, Ordering::SeqCst);
    let mut cmd = Command::new(interop_dir().join("venv/bin/python"));
    cmd.arg(spec_dir().join("peer.py"))
        .args(args)
        .env("PYTHONUNBUFFERED", "1");
    Proc::spawn(
        &format!("python peer {}", args.join(" ")),
        cmd,
        &dir.join(format!("py-{n}.log")),
    )
}

/// Starts the node peer (`tests/interop/peer.js`) with `args`.
pub fn node_peer(dir: &Path, args: &[&str]) -> Proc {
    let n = PEERS.fetch_add(1, Ordering::SeqCst);
    let mut cmd = Command::new("node");
    cmd.arg(spec_dir().join("peer.js"))
        .args(args)
        .env("NODE_PATH", interop_dir().join("node_modules"));
    Proc::spawn(
        &format!("node peer {}", args.join(" ")),
        cmd,
        &dir.join(format!("node-{n}.log")),
    )
}

/// A Crossbar.io node with our config (`tests/interop/crossbar.json`) on free ports.
#[derive(Debug)]
pub struct Crossbar {
    /// WebSocket, anonymous.
    pub ws_port: u16,
    /// RawSocket, anonymous.
    pub rs_port: u16,
    /// WebSocket with ticket, WAMP-CRA and cryptosign.
    pub auth_port: u16,
    /// RawSocket with ticket, WAMP-CRA and cryptosign.
    pub rs_auth_port: u16,
    cbdir: PathBuf,
    proc: Option<Proc>,
    starts: usize,
}

impl Crossbar {
    /// Writes the config into `dir` and starts the node; returns once every
    /// transport accepts connections.
    pub fn start(dir: &Path) -> Crossbar {
        require_peers();
        let cbdir = dir.join("crossbar");
        std::fs::create_dir_all(&cbdir).unwrap();
        let mut cb = Crossbar {
            ws_port: free_port(),
            rs_port: free_port(),
            auth_port: free_port(),
            rs_auth_port: free_port(),
            cbdir,
            proc: None,
            starts: 0,
        };
        let config = std::fs::read_to_string(spec_dir().join("crossbar.json"))
            .unwrap()
            .replace("${WS_PORT}", &cb.ws_port.to_string())
            .replace("${RS_PORT}", &cb.rs_port.to_string())
            .replace("${AUTH_PORT}", &cb.auth_port.to_string())
            .replace("${RS_AUTH_PORT}", &cb.rs_auth_port.to_string());
        std::fs::write(cb.cbdir.join("config.json"), config).unwrap();
        cb.run();
        cb
    }

    fn run(&mut self) {
        let mut cmd = Command::new(interop_dir().join("venv/bin/crossbar"));
        cmd.arg("start")
            .arg("--cbdir")
            .arg(&self.cbdir)
            .arg("--loglevel")
            .arg("warn");
        let log = self.cbdir.join(format!("crossbar-{}.log", self.starts));
        self.starts += 1;
        let mut proc = Proc::spawn("crossbar", cmd, &log);
        for port in [
            self.ws_port,
            self.rs_port,
            self.auth_port,
            self.rs_auth_port,
        ] {
            if !wait_for_port(port, Duration::from_secs(90)) {
                let tail = proc.stderr_tail();
                proc.stop(Duration::from_secs(5));
                panic!("crossbar did not listen on port {port} within 90 s:\n{tail}");
            }
        }
        self.proc = Some(proc);
    }

    /// Stops the node (SIGTERM to its process group) and waits until it is gone.
    pub fn stop(&mut self) {
        if let Some(mut proc) = self.proc.take() {
            proc.stop(Duration::from_secs(15));
        }
    }

    /// Starts the stopped node again on the same ports.
    pub fn restart(&mut self) {
        assert!(self.proc.is_none(), "crossbar is still running");
        // The old node's pid file would make `crossbar start` refuse to run.
        let _ = std::fs::remove_file(self.cbdir.join("node.pid"));
        self.run();
    }

    /// `ws://127.0.0.1:<port>/ws` of the anonymous WebSocket transport.
    pub fn ws(&self) -> String {
        format!("ws://127.0.0.1:{}/ws", self.ws_port)
    }

    /// `rs://127.0.0.1:<port>` of the anonymous RawSocket transport.
    pub fn rs(&self) -> String {
        format!("rs://127.0.0.1:{}", self.rs_port)
    }

    /// `ws://127.0.0.1:<port>/ws` of the authenticated WebSocket transport.
    pub fn ws_auth(&self) -> String {
        format!("ws://127.0.0.1:{}/ws", self.auth_port)
    }

    /// `rs://127.0.0.1:<port>` of the authenticated RawSocket transport.
    pub fn rs_auth(&self) -> String {
        format!("rs://127.0.0.1:{}", self.rs_auth_port)
    }
}

/// The serializer's name as the peers spell it.
pub fn serializer_name(kind: wamp::SerializerKind) -> &'static str {
    match kind {
        wamp::SerializerKind::Json => "json",
        wamp::SerializerKind::MsgPack => "msgpack",
        wamp::SerializerKind::Cbor => "cbor",
    }
}
