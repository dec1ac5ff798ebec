//! The example service (`examples/math_service.rs`) served until Ctrl-C, for
//! trying `wamp` on it: on an embedded router (default), or joined to a
//! router that runs already (Crossbar.io, `wamp-router`).
//!
//! ```sh
//! cargo run -p wamp-cli --example serve_math                         # router on 127.0.0.1:8080
//! cargo run -p wamp-cli --example serve_math -- --listen 127.0.0.1:9000
//! cargo run -p wamp-cli --example serve_math -- --connect ws://127.0.0.1:8080/ws
//! ```

#[path = "../../examples/math_service.rs"]
#[allow(unreachable_pub, dead_code)]
mod math_service;

use wamp::router::{RealmConfig, Router};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let mut router = None;
    let url = match flag("--connect") {
        Some(url) => url,
        None => {
            let listen = flag("--listen").unwrap_or_else(|| "127.0.0.1:8080".to_owned());
            let (r, addr) = Router::builder()
                .realm(RealmConfig::open("realm1"))
                .start(&listen)
                .await?;
            router = Some(r);
            format!("ws://{addr}/ws")
        }
    };
    let (ready_tx, mut ready) = tokio::sync::mpsc::unbounded_channel();
    let service = wamp::Component::builder("realm1")
        .name("math")
        .transport(&url)
        .collected_component("math")
        .on_join(move |_session| {
            let ready_tx = ready_tx.clone();
            async move {
                let _ = ready_tx.send(());
            }
        })
        .build();
    let (stop, running) = service.start();
    ready.recv().await;
    println!("math service ready on {url}, realm1 (Ctrl-C to stop)");
    tokio::signal::ctrl_c().await?;
    stop.stop();
    running.await??;
    if let Some(router) = router {
        router.shutdown();
    }
    Ok(())
}
