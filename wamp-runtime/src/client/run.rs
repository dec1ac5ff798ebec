//! Running a service binary: its docs flags first, then its components until
//! Ctrl-C.

use super::collect::handle_docs_cli;
use super::component::{Component, StopHandle};
use super::error::Error;
use crate::docs::{DocsOutcome, Info};
use crate::protocol::uris;

/// Runs components until Ctrl-C (then each leaves cleanly) or until all of them end.
///
/// A component that gives up (see [`Component::run`]) is logged at error
/// level with its name and error, the others go on; once all ended, the
/// first such error is returned.
///
/// First handles the docs flags (`--print-schema json|md|html|asyncapi`,
/// `--write-docs DIR`, see [`handle_docs_cli`](super::handle_docs_cli)): with one of
/// them it prints or writes the catalog and returns `Ok` without connecting;
/// with a bad value it returns the error (of kind
/// [`InvalidArgument`](super::ErrorKind::InvalidArgument)).
pub async fn run(components: Vec<Component>) -> Result<(), Error> {
    match handle_docs_cli(&Info::from_binary())? {
        DocsOutcome::NotRequested => {}
        DocsOutcome::Printed(format) => {
            tracing::debug!(?format, "printed the docs");
            return Ok(());
        }
        DocsOutcome::Written(files) => {
            tracing::info!(?files, "wrote the docs");
            return Ok(());
        }
    }
    let started: Vec<_> = components.iter().map(Component::start).collect();
    let stops: Vec<StopHandle> = started.iter().map(|(s, _)| s.clone()).collect();
    let all = futures_util::future::join_all(components.iter().zip(started).map(
        |(component, (_, task))| async move {
            let result = task
                .await
                .map_err(|e| Error::wrap(uris::RUNTIME_ERROR, e))
                .and_then(|r| r);
            if let Err(error) = &result {
                tracing::error!(component = component.name(), %error, "component {} gave up: {error}", component.name());
            }
            result
        },
    ));
    tokio::pin!(all);
    let results = tokio::select! {
        r = &mut all => r,
        _ = tokio::signal::ctrl_c() => {
            tracing::info!("Ctrl-C: leaving");
            for s in &stops {
                s.stop();
            }
            all.await
        }
    };
    results.into_iter().collect()
}

/// Serves every collected procedure and topic on `realm` at `url` until Ctrl-C
/// (after the docs flags, as [`run`] does):
/// `wamp::serve("ws://127.0.0.1:8080/ws", "realm1").await`.
pub async fn serve(url: &str, realm: &str) -> Result<(), Error> {
    let component = Component::builder(realm).transport(url).collected().build();
    run(vec![component]).await
}
