//! Registering and subscribing everything on one session, and retrying what
//! the router refused while the session stays joined.

use std::time::Duration;

use tokio::time::Instant;

use super::inner::Inner;
use super::status::{ComponentError, Stage};
use crate::client::error::Error;
use crate::client::session::Session;

/// A procedure (index into `Inner::procedures`) or a topic (into `Inner::subscriptions`).
#[derive(Debug, Clone, Copy)]
enum Item {
    Procedure(usize),
    Topic(usize),
}

/// A refused item, waiting for its next attempt.
struct Refused {
    item: Item,
    failures: u32,
    delay: Duration,
    due: Instant,
}

/// What is not registered or subscribed yet on one session.
pub(super) struct Setup {
    refused: Vec<Refused>,
}

impl Setup {
    /// Registers every procedure and subscribes every topic once. `Err`
    /// when one was refused and its retries are exhausted.
    pub(super) async fn first_pass(
        inner: &Inner,
        session: &Session,
    ) -> Result<Self, ComponentError> {
        let mut setup = Setup {
            refused: Vec::new(),
        };
        let items = (0..inner.procedures.len())
            .map(Item::Procedure)
            .chain((0..inner.subscriptions.len()).map(Item::Topic));
        for item in items {
            if let Err(error) = attempt(inner, session, item).await {
                if session.is_closed() {
                    break;
                }
                setup.refused(inner, item, 0, None, error)?;
            }
        }
        Ok(setup)
    }

    /// The URIs not registered or subscribed yet.
    pub(super) fn missing(&self, inner: &Inner) -> Vec<String> {
        self.refused
            .iter()
            .map(|r| uri(inner, r.item).to_owned())
            .collect()
    }

    /// When the next retry is due, if any.
    pub(super) fn next_due(&self) -> Option<Instant> {
        self.refused.iter().map(|r| r.due).min()
    }

    /// Tries again every item that is due. `Err` when one ran out of retries.
    pub(super) async fn retry_due(
        &mut self,
        inner: &Inner,
        session: &Session,
    ) -> Result<(), ComponentError> {
        let now = Instant::now();
        let (due, waiting): (Vec<Refused>, Vec<Refused>) = std::mem::take(&mut self.refused)
            .into_iter()
            .partition(|r| r.due <= now);
        self.refused = waiting;
        for r in due {
            match attempt(inner, session, r.item).await {
                Ok(()) => {
                    tracing::info!(
                        component = %inner.name,
                        uri = uri(inner, r.item),
                        attempts = r.failures + 1,
                        "{} {} after {} refusals",
                        verb(r.item),
                        uri(inner, r.item),
                        r.failures
                    );
                }
                Err(_) if session.is_closed() => self.refused.push(r),
                Err(error) => self.refused(inner, r.item, r.failures, Some(r.delay), error)?,
            }
        }
        Ok(())
    }

    /// Records a refusal: schedules the next attempt and reports it, or gives up.
    fn refused(
        &mut self,
        inner: &Inner,
        item: Item,
        failures: u32,
        previous: Option<Duration>,
        error: Error,
    ) -> Result<(), ComponentError> {
        let failures = failures + 1;
        let stage = match item {
            Item::Procedure(_) => Stage::Register {
                procedure: uri(inner, item).to_owned(),
            },
            Item::Topic(_) => Stage::Subscribe {
                topic: uri(inner, item).to_owned(),
            },
        };
        let retry = &inner.register_retry;
        let retry_in = (!retry.exhausted(failures)).then(|| retry.next_delay(previous));
        let report = ComponentError {
            component: inner.name.clone(),
            stage,
            error,
            retry_in,
        };
        let Some(delay) = retry_in else {
            return Err(report);
        };
        inner.report(&report);
        self.refused.push(Refused {
            item,
            failures,
            delay,
            due: Instant::now() + delay,
        });
        Ok(())
    }
}

fn uri(inner: &Inner, item: Item) -> &str {
    match item {
        Item::Procedure(i) => &inner.procedures[i].uri,
        Item::Topic(i) => &inner.subscriptions[i].uri,
    }
}

fn verb(item: Item) -> &'static str {
    match item {
        Item::Procedure(_) => "registered",
        Item::Topic(_) => "subscribed to",
    }
}

/// One REGISTER or SUBSCRIBE.
async fn attempt(inner: &Inner, session: &Session, item: Item) -> Result<(), Error> {
    match item {
        Item::Procedure(i) => {
            let p = &inner.procedures[i];
            let mut options = p.options.clone();
            options.force_reregister |= inner.force_reregister;
            session
                .register_extra(
                    &p.uri,
                    options,
                    p.handler.clone(),
                    p.source.schema_option(&p.uri),
                )
                .await
                .map(drop)
        }
        Item::Topic(i) => {
            let t = &inner.subscriptions[i];
            session
                .subscribe_extra(
                    &t.uri,
                    t.options.clone(),
                    t.handler.clone(),
                    t.source.schema_option(&t.uri),
                )
                .await
                .map(drop)
        }
    }
}
