//! Registering procedures: REGISTER with the handler (kept under the ID
//! the router answers with), the [`Registration`] it gives, UNREGISTER.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::{Semaphore, oneshot};

use super::handle::{Pending, ProcedureHandler, RegistrationEntry, Session};
use crate::client::error::Error;
use crate::client::options::RegisterOptions;
use crate::protocol::options::MatchPolicy;
use crate::protocol::uri::UriKind;
use crate::protocol::{Dict, Id, Message, Register, Unregister, Uri};

/// A registration made by [`Session::register`].
#[derive(Debug, Clone)]
pub struct Registration {
    session: Session,
    id: Id,
    active: Arc<AtomicBool>,
}

impl Registration {
    /// The router's registration ID.
    pub fn id(&self) -> Id {
        self.id
    }

    /// Whether it is still registered (not unregistered nor revoked).
    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Acquire)
    }

    /// Unregisters.
    pub async fn unregister(self) -> Result<(), Error> {
        self.session.unregister(self.id).await
    }
}

impl Session {
    /// Registers a procedure.
    pub async fn register(
        &self,
        procedure: &str,
        options: RegisterOptions,
        handler: ProcedureHandler,
    ) -> Result<Registration, Error> {
        self.register_extra(procedure, options, handler, Default::default())
            .await
    }

    /// Registers a procedure with extra (implementation-specific) options,
    /// such as the schema a component sends for the router's reflection API.
    pub(crate) async fn register_extra(
        &self,
        procedure: &str,
        options: RegisterOptions,
        handler: ProcedureHandler,
        extra: Dict,
    ) -> Result<Registration, Error> {
        let kind = match options.match_ {
            Some(MatchPolicy::Wildcard) => UriKind::EmptyComponents,
            Some(MatchPolicy::Prefix) => UriKind::LastEmpty,
            _ => UriKind::Concrete,
        };
        let uri = Uri::with_kind(procedure, kind)?;
        let active = Arc::new(AtomicBool::new(true));
        let entry = RegistrationEntry {
            procedure: procedure.to_owned(),
            handler,
            limit: options
                .concurrency
                .filter(|n| *n > 0)
                .map(|n| Arc::new(Semaphore::new(n as usize))),
            active: active.clone(),
            progressive_input: options.progressive_input,
        };
        let (tx, rx) = oneshot::channel();
        let mut wire = options.to_wire();
        wire.extra.extend(extra);
        self.request(Pending::Register { tx, entry }, |request| {
            Message::Register(Register {
                request,
                options: wire,
                procedure: uri,
            })
        })
        .await?;
        let id = rx.await.unwrap_or_else(|_| Err(Error::transport_lost()))?;
        Ok(Registration {
            session: self.clone(),
            id,
            active,
        })
    }

    /// Unregisters a registration by ID.
    pub async fn unregister(&self, registration: Id) -> Result<(), Error> {
        let (tx, rx) = oneshot::channel();
        self.request(Pending::Unregister(tx), |request| {
            Message::Unregister(Unregister {
                request,
                registration,
            })
        })
        .await?;
        rx.await.unwrap_or_else(|_| Err(Error::transport_lost()))?;
        if let Some(entry) = self.lock().registrations.remove(&registration) {
            entry.active.store(false, Ordering::Release);
        }
        Ok(())
    }
}
