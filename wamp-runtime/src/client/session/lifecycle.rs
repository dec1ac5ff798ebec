//! A session's life: joining a realm over a transport (the handshake, then the
//! reader and writer start), leaving it with GOODBYE, or dropping it.

use super::close::CloseReason;
use super::handle::Session;
use super::io;
use crate::client::error::Error;
use crate::client::join::{self, JoinConfig};
use crate::client::state::ClientCore;
use crate::protocol::uris;
use crate::protocol::{Message, Uri};
use crate::transport::Transport;

/// How long [`Session::leave`] waits for the router's GOODBYE.
const LEAVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

impl Session {
    /// Joins a realm over a connected transport: HELLO, any CHALLENGE rounds,
    /// then WELCOME (or an error with the ABORT reason).
    pub async fn join(transport: Transport, config: JoinConfig) -> Result<Session, Error> {
        let Transport {
            mut sink,
            mut stream,
            serializer,
            details,
        } = transport;
        let limits = config.limits.normalized();
        let mut proto = ClientCore::new();
        proto.set_max_pending(limits.max_pending_requests);
        let handshake = join::handshake(
            &mut proto,
            &mut sink,
            &mut stream,
            serializer,
            details.channel_binding.as_deref(),
            &config,
        );
        let welcome = tokio::time::timeout(config.timeout, handshake)
            .await
            .map_err(|elapsed| {
                Error::message(uris::TIMEOUT, "the router did not answer HELLO in time")
                    .with_source(elapsed)
            })??;
        let session_details = join::session_details(&config, welcome, serializer, details);
        tracing::debug!(session = session_details.session, realm = %session_details.realm, "joined");
        Ok(io::start(
            proto,
            sink,
            stream,
            session_details,
            config.extensions,
            limits,
        ))
    }

    /// Leaves with `wamp.close.normal` and waits for the router's GOODBYE (at most 5 s).
    pub async fn leave(&self) -> CloseReason {
        self.leave_with(uris::CLOSE_NORMAL, None).await
    }

    /// Leaves with a reason and message.
    pub async fn leave_with(&self, reason: &str, message: Option<String>) -> CloseReason {
        let goodbye = self
            .lock()
            .proto
            .goodbye(Uri::from_trusted(reason), message);
        if let Some(goodbye) = goodbye {
            if let Err(e) = self.send(&Message::Goodbye(goodbye)).await {
                // Too large (a huge message) or the transport is gone: no
                // GOODBYE will come back, so stop at once.
                tracing::warn!(error = %e, "cannot send GOODBYE; closing the transport");
                self.shared.stop.cancel();
            } else if tokio::time::timeout(LEAVE_TIMEOUT, self.closed())
                .await
                .is_err()
            {
                self.shared.stop.cancel();
            }
        }
        self.closed().await
    }

    /// Drops the transport without GOODBYE (for tests and emergencies).
    pub fn disconnect(&self) {
        self.shared.stop.cancel();
    }
}
