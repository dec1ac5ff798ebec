//! `wamp subscribe`: one JSON line per event until Ctrl-C or `--count` events.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value as Json, json};
use tokio::sync::mpsc;
use wamp::client::{MatchPolicy, event_handler};
use wamp::{EventDetails, Session, SubscribeOptions};

use crate::cli::{Match, SubscribeArgs};
use crate::commands::print_line;
use crate::error::{CliError, EXIT_CONNECT};
use crate::values::payload_json;

/// Events waiting to be printed; more are dropped and counted (reported at the end).
const BACKLOG: usize = 4096;

/// Runs `wamp subscribe`.
pub(crate) async fn run(session: &Session, a: SubscribeArgs) -> Result<(), CliError> {
    let mut options = SubscribeOptions::default();
    match a.match_policy {
        Match::Exact => {}
        Match::Prefix => options = options.match_policy(MatchPolicy::Prefix),
        Match::Wildcard => options = options.match_policy(MatchPolicy::Wildcard),
    }
    if a.get_retained {
        options = options.get_retained();
    }
    let (tx, mut rx) = mpsc::channel::<String>(BACKLOG);
    let overflow = Arc::new(AtomicU64::new(0));
    let counter = overflow.clone();
    // The session runs the handler inline until it first waits: a send that
    // never waits keeps the events in the order they arrived.
    let handler = event_handler(move |ev| {
        let line = match payload_json(&ev.payload) {
            Ok((args, kwargs)) => event_line(args, kwargs, &ev.details),
            Err(e) => json!({"error": e.to_string(), "details": details_json(&ev.details)}),
        };
        if let Err(mpsc::error::TrySendError::Full(_)) = tx.try_send(line.to_string()) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        std::future::ready(Ok(()))
    });
    let subscription = session
        .subscribe(&a.topic, options, handler)
        .await
        .map_err(|e| {
            let error = CliError::remote(&e);
            if e.is("wamp.error.not_authorized") {
                error.hint(format!("your role may not subscribe to {}", a.topic))
            } else {
                error
            }
        })?;
    eprintln!("wamp: subscribed to {} (Ctrl-C to stop)", a.topic);
    let mut seen = 0u64;
    let outcome = loop {
        if a.count.is_some_and(|n| seen >= n) {
            break Ok(());
        }
        tokio::select! {
            line = rx.recv() => match line {
                Some(line) => {
                    print_line(&line);
                    seen += 1;
                }
                None => break Ok(()),
            },
            _ = tokio::signal::ctrl_c() => break Ok(()),
            reason = session.closed() => break Err(CliError::new(
                EXIT_CONNECT,
                format!("the session ended: {reason:?}"),
            )),
        }
    };
    let dropped = subscription.dropped() + overflow.load(Ordering::Relaxed);
    if dropped > 0 {
        eprintln!(
            "wamp: warning: {dropped} events were dropped because they came faster than they could be printed"
        );
    }
    outcome
}

fn details_json(d: &EventDetails) -> Json {
    let mut m = Map::new();
    m.insert("topic".into(), json!(d.topic));
    m.insert("publication".into(), json!(d.publication));
    m.insert("subscription".into(), json!(d.subscription));
    if let Some(p) = d.publisher {
        m.insert("publisher".into(), json!(p));
    }
    if let Some(p) = &d.publisher_authid {
        m.insert("publisher_authid".into(), json!(p));
    }
    if let Some(p) = &d.publisher_authrole {
        m.insert("publisher_authrole".into(), json!(p));
    }
    if d.retained {
        m.insert("retained".into(), json!(true));
    }
    Json::Object(m)
}

fn event_line(args: Vec<Json>, kwargs: Map<String, Json>, d: &EventDetails) -> Json {
    json!({"args": args, "kwargs": kwargs, "details": details_json(d)})
}
