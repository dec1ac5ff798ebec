//! The cases of the table (transport, serializer, traffic) and one measured
//! run of a case on a server.

use wamp::SerializerKind;

use crate::peer::{BenchError, Peer};
use crate::router_thread::{REALM, RouterThread};
use crate::stats::Sample;
use crate::{pubsub, rpc};

/// What a case sends.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Traffic {
    /// RPC with this many calls in flight.
    Rpc(usize),
    /// Pub/Sub to this many subscribers.
    Fanout(usize),
}

impl Traffic {
    pub(crate) fn name(self) -> String {
        match self {
            Traffic::Rpc(1) => "rpc seq".into(),
            Traffic::Rpc(w) => format!("rpc w{w}"),
            Traffic::Fanout(s) => format!("pubsub x{s}"),
        }
    }

    pub(crate) fn default_n(self, quick: bool) -> u64 {
        match (self, quick) {
            (Traffic::Rpc(1), false) => 20_000,
            (Traffic::Rpc(1), true) => 2_000,
            (_, false) => 100_000,
            (_, true) => 10_000,
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Case {
    pub(crate) websocket: bool,
    pub(crate) serializer: SerializerKind,
    pub(crate) traffic: Traffic,
}

impl Case {
    pub(crate) fn transport(self) -> &'static str {
        if self.websocket { "ws" } else { "rs" }
    }

    pub(crate) fn name(self) -> String {
        format!(
            "{} {} {}",
            self.transport(),
            self.serializer,
            self.traffic.name()
        )
    }

    pub(crate) fn url(self, addr: std::net::SocketAddr) -> String {
        if self.websocket {
            format!("ws://{addr}/ws")
        } else {
            format!("rs://{addr}")
        }
    }
}

/// Every row of the table, in order.
pub(crate) fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for websocket in [true, false] {
        for serializer in [SerializerKind::Json, SerializerKind::MsgPack] {
            for traffic in [
                Traffic::Rpc(1),
                Traffic::Rpc(100),
                Traffic::Fanout(1),
                Traffic::Fanout(10),
            ] {
                cases.push(Case {
                    websocket,
                    serializer,
                    traffic,
                });
            }
        }
    }
    cases
}

/// One measured run of a case, with fresh sessions and a fresh URI.
async fn run_once(
    addr: std::net::SocketAddr,
    case: Case,
    n: u64,
    id: usize,
) -> Result<Sample, BenchError> {
    let url = case.url(addr);
    let warm = n / 20;
    match case.traffic {
        Traffic::Rpc(window) => {
            let procedure = format!("bench.add2.r{id}");
            let mut callee = Peer::join(&url, case.serializer, REALM).await?;
            callee.register(&procedure).await?;
            let callee = tokio::spawn(rpc::callee(callee));
            let caller = Peer::join(&url, case.serializer, REALM).await?;
            let sample = if window == 1 {
                rpc::sequential(caller, &procedure, n, warm).await
            } else {
                rpc::pipelined(caller, &procedure, n, warm, window).await
            };
            callee.abort();
            sample
        }
        Traffic::Fanout(count) => {
            let topic = format!("bench.topic.r{id}");
            let publisher = Peer::join(&url, case.serializer, REALM).await?;
            let mut subscribers = Vec::new();
            for _ in 0..count {
                subscribers.push(Peer::join(&url, case.serializer, REALM).await?);
            }
            pubsub::fanout(publisher, subscribers, &topic, n, warm).await
        }
    }
}

/// One run of `case` on `server`, within [`rpc::CASE_TIMEOUT`].
pub(crate) async fn measure(
    server: &RouterThread,
    name: &str,
    case: Case,
    n: u64,
    id: usize,
) -> Result<Sample, BenchError> {
    tokio::time::timeout(rpc::CASE_TIMEOUT, run_once(server.addr, case, n, id))
        .await
        .map_err(|_| {
            format!(
                "{} on the {name}: did not finish within {:?}",
                case.name(),
                rpc::CASE_TIMEOUT
            )
        })?
        .map_err(|e| format!("{} on the {name}: {e}", case.name()))
}
