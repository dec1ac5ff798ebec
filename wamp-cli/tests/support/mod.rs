//! Shared by the end-to-end tests of `wamp`: running the binary, and the
//! example service on the embedded router.

#![allow(dead_code, unreachable_pub)] // each test binary uses its part

use std::path::Path;
use std::process::Command as StdCommand;
use std::time::{Duration, Instant};

use wamp::router::{RealmConfig, Router};
use wamp_tests::interop::Proc;

/// The `wamp` binary under test.
pub const WAMP: &str = env!("CARGO_BIN_EXE_wamp");

/// `wamp --url URL ARGS...` as an `assert_cmd` command, without any WAMP_*
/// settings inherited from the environment.
pub fn wamp(url: &str, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(WAMP);
    for (key, _) in std::env::vars() {
        if key.starts_with("WAMP_") && key != "WAMP_INTEROP_DIR" {
            cmd.env_remove(key);
        }
    }
    cmd.arg("--url")
        .arg(url)
        .args(args)
        .timeout(Duration::from_secs(30));
    cmd
}

/// Starts `wamp --url URL ARGS...` in the background (killed on drop);
/// stdout lines are read with `Proc::json_line`, stderr goes to `dir/name.log`.
pub fn spawn_wamp(dir: &Path, name: &str, url: &str, args: &[&str]) -> (Proc, std::path::PathBuf) {
    let mut cmd = StdCommand::new(WAMP);
    cmd.arg("--url").arg(url).args(args);
    let log = dir.join(format!("{name}.log"));
    (Proc::spawn(name, cmd, &log), log)
}

/// Waits until `file` contains `text` (what `wamp subscribe`/`register` say
/// on stderr once they are ready).
#[track_caller]
pub fn wait_for_text(file: &Path, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = std::fs::read_to_string(file).unwrap_or_default();
        if got.contains(text) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} never said {text:?}; it said:\n{got}",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Stdout of a finished command as text.
pub fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Stderr of a finished command as text.
pub fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The embedded router with the collected components `components` joined to
/// it, on its own runtime; everything stops when it drops.
pub struct Service {
    /// `ws://127.0.0.1:<port>/ws`.
    pub url: String,
    /// `rs://127.0.0.1:<port>`.
    pub rs_url: String,
    router: Router,
    stops: Vec<wamp::client::StopHandle>,
    _runtime: tokio::runtime::Runtime,
}

impl Service {
    /// Starts the router and the components, and returns once they are joined.
    pub fn start(components: &[&str]) -> Service {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let components: Vec<String> = components.iter().map(|c| c.to_string()).collect();
        let (router, addr, stops) = runtime.block_on(async move {
            let (router, addr) = Router::builder()
                .realm(RealmConfig::open("realm1"))
                .start("127.0.0.1:0")
                .await
                .unwrap();
            let mut stops = Vec::new();
            for name in components {
                let (ready_tx, mut ready) = tokio::sync::mpsc::unbounded_channel();
                let component = wamp::Component::builder("realm1")
                    .name(&name)
                    .transport(&format!("rs://{addr}"))
                    .collected_component(&name)
                    .on_join(move |_session| {
                        let ready_tx = ready_tx.clone();
                        async move {
                            let _ = ready_tx.send(());
                        }
                    })
                    .build();
                let (stop, _running) = component.start();
                tokio::time::timeout(Duration::from_secs(10), ready.recv())
                    .await
                    .expect("component joined");
                stops.push(stop);
            }
            (router, addr, stops)
        });
        Service {
            url: format!("ws://{addr}/ws"),
            rs_url: format!("rs://{addr}"),
            router,
            stops,
            _runtime: runtime,
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        for stop in &self.stops {
            stop.stop();
        }
        self.router.shutdown();
    }
}
