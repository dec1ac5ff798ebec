//! `wamp publish`.

use serde_json::Value as Json;
use wamp::{PublishOptions, Session};

use crate::cli::PublishArgs;
use crate::commands::print_line;
use crate::error::CliError;
use crate::values::{encode, kwargs_of, parse_arg};

/// Runs `wamp publish`: prints the publication ID when acknowledged.
pub(crate) async fn run(session: &Session, a: PublishArgs) -> Result<(), CliError> {
    let args: Vec<Json> = a.args.iter().map(|s| parse_arg(s)).collect();
    let payload = encode(session.serializer(), &args, &kwargs_of(&a.kwargs))
        .map_err(|e| CliError::remote(&e))?;
    let mut options = PublishOptions::default();
    if a.acknowledge {
        options = options.acknowledge();
    }
    if a.retain {
        options = options.retain();
    }
    let publication = session
        .publish_with(&a.topic, payload, options)
        .await
        .map_err(|e| {
            let error = CliError::remote(&e);
            if e.is("wamp.error.not_authorized") {
                error.hint(format!("your role may not publish to {}", a.topic))
            } else {
                error
            }
        })?;
    if let Some(id) = publication {
        print_line(&id.to_string());
    }
    Ok(())
}
