//! The servers under test, each on its own current_thread runtime on a
//! dedicated thread (the `ct` layout of loopback-limits.md): the embedded
//! router, or the minimal hub that gives the loopback limit. With
//! `--router-process` the router is the standalone `wamp-router` binary in a
//! process of its own instead.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;
use wamp::router::{RealmConfig, Router};

/// The realm every benchmark session joins.
pub(crate) const REALM: &str = "bench";

/// Which server a thread runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Server {
    /// The embedded router with one open realm.
    Router,
    /// The minimal relay hub (`crate::hub`).
    Hub,
}

/// A server running on its own thread (or, with [`RouterThread::process`],
/// in its own process).
pub(crate) struct RouterThread {
    /// Where it listens (WebSocket and RawSocket).
    pub(crate) addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    child: Option<Child>,
}

/// The configuration of the `wamp-router` process: one open realm, JSON and
/// MessagePack, everything else at its defaults.
const ROUTER_TOML: &str = r#"[[listener]]
address = "127.0.0.1:0"
serializers = ["json", "msgpack"]

[[realm]]
name = "bench"
"#;

impl RouterThread {
    /// Starts `server` on 127.0.0.1, on a free port.
    pub(crate) fn start(server: Server) -> Result<RouterThread, String> {
        let (addr_tx, addr_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("{server:?}").to_lowercase())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = addr_tx.send(Err(format!("router runtime: {e}")));
                        return;
                    }
                };
                runtime.block_on(async move {
                    if server == Server::Hub {
                        match crate::hub::listen("127.0.0.1:0").await {
                            Ok(addr) => {
                                let _ = addr_tx.send(Ok(addr));
                            }
                            Err(e) => {
                                let _ = addr_tx.send(Err(format!("hub listen: {e}")));
                                return;
                            }
                        }
                        let _ = stop_rx.await;
                        return;
                    }
                    let router = Router::builder().realm(RealmConfig::open(REALM)).build();
                    match router.listen("127.0.0.1:0").await {
                        Ok(addr) => {
                            let _ = addr_tx.send(Ok(addr));
                        }
                        Err(e) => {
                            let _ = addr_tx.send(Err(format!("router listen: {e}")));
                            return;
                        }
                    }
                    let _ = stop_rx.await;
                    router.shutdown();
                });
            })
            .map_err(|e| format!("router thread: {e}"))?;
        let addr = addr_rx
            .recv()
            .map_err(|_| "the router thread died".to_owned())??;
        Ok(RouterThread {
            addr,
            stop: Some(stop_tx),
            thread: Some(thread),
            child: None,
        })
    }

    /// Starts the standalone router (`wamp-router`, built beside this
    /// binary) as a separate process with [`ROUTER_TOML`], on a free port.
    pub(crate) fn process() -> Result<RouterThread, String> {
        let bin = std::env::current_exe()
            .map_err(|e| format!("finding wamp-router: {e}"))?
            .with_file_name("wamp-router");
        if !bin.exists() {
            return Err(format!(
                "{} is missing: build it first (cargo build --release -p wamp-router)",
                bin.display()
            ));
        }
        let config: PathBuf =
            std::env::temp_dir().join(format!("wamp-bench-router-{}.toml", std::process::id()));
        std::fs::write(&config, ROUTER_TOML)
            .map_err(|e| format!("writing {}: {e}", config.display()))?;
        let mut child = Command::new(&bin)
            .arg("--config")
            .arg(&config)
            .args(["--log", "warn"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", bin.display()))?;
        let mut stdout = std::io::BufReader::new(child.stdout.take().ok_or("no stdout")?);
        let mut line = String::new();
        let read = stdout.read_line(&mut line);
        let _ = std::fs::remove_file(&config);
        // Keep draining stdout so that the router never writes into a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        // "listening on 127.0.0.1:PORT: ws://127.0.0.1:PORT/ws rs://127.0.0.1:PORT"
        let addr = read
            .ok()
            .and_then(|_| line.strip_prefix("listening on "))
            .and_then(|rest| rest.split(": ").next())
            .and_then(|a| a.parse().ok());
        let mut router = RouterThread {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            stop: None,
            thread: None,
            child: Some(child),
        };
        match addr {
            Some(addr) => {
                router.addr = addr;
                Ok(router)
            }
            None => Err(format!(
                "wamp-router printed {line:?} instead of its address"
            )),
        }
    }
}

impl Drop for RouterThread {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
