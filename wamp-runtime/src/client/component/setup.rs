//! Registering and subscribing everything on one session, and retrying what
//! the router refused while the session stays joined.

use std::time::Duration;

use tokio::time::Instant;

use super::inner::Inner;
use super::status::{ComponentError, Stage};
use crate::client::error::Error;
use crate::client::session::{Registration, Session, Subscription};

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

/// What the router accepted: kept to notice a revocation.
enum Held {
    Registration(Registration),
    Subscription(Subscription),
}

impl Held {
    fn is_active(&self) -> bool {
        match self {
            Held::Registration(r) => r.is_active(),
            Held::Subscription(s) => s.is_active(),
        }
    }
}

/// What is registered, refused (and retried) or revoked on one session.
pub(super) struct Setup {
    refused: Vec<Refused>,
    held: Vec<(Item, Held)>,
    revoked: Vec<String>,
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
            held: Vec::new(),
            revoked: Vec::new(),
        };
        let items = (0..inner.procedures.len())
            .map(Item::Procedure)
            .chain((0..inner.subscriptions.len()).map(Item::Topic));
        for item in items {
            match attempt(inner, session, item).await {
                Ok(held) => setup.held.push((item, held)),
                Err(_) if session.is_closed() => break,
                Err(error) => setup.refused(inner, item, 0, None, error)?,
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

    /// The URIs the router took away during the session (not registered or
    /// subscribed again).
    pub(super) fn revoked(&self) -> Vec<String> {
        self.revoked.clone()
    }

    /// Whether anything is held (so a revocation may come).
    pub(super) fn holds_any(&self) -> bool {
        !self.held.is_empty()
    }

    /// Moves what the router revoked since the last look to the revoked
    /// list, logging each at warn; `true` when there was any.
    pub(super) fn take_revoked(&mut self, inner: &Inner, session: &Session) -> bool {
        if session.is_closed() {
            return false;
        }
        let before = self.revoked.len();
        self.held.retain(|(item, held)| {
            if held.is_active() {
                return true;
            }
            let uri = uri(inner, *item);
            tracing::warn!(
                component = %inner.name,
                %uri,
                "the router took {uri} away (revoked: another session took it over with \
                 force_reregister, or it was removed by the router); it is not {} again",
                verb(*item)
            );
            self.revoked.push(uri.to_owned());
            false
        });
        self.revoked.len() > before
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
                Ok(held) => {
                    self.held.push((r.item, held));
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
async fn attempt(inner: &Inner, session: &Session, item: Item) -> Result<Held, Error> {
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
                .map(Held::Registration)
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
                .map(Held::Subscription)
        }
    }
}
