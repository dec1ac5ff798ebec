//! The servers under test, each on its own current_thread runtime on a
//! dedicated thread (the `ct` layout of loopback-limits.md): the embedded
//! router, or the minimal hub that gives the loopback limit.

use std::net::SocketAddr;
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

/// A server running on its own thread.
pub(crate) struct RouterThread {
    /// Where it listens (WebSocket and RawSocket).
    pub(crate) addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

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
        })
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
    }
}
