//! `wamp register URI -- COMMAND ...`: each call runs the command with the
//! arguments as JSON on its stdin; its stdout is the result.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;

use serde_json::{Value as Json, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use wamp::client::procedure;
use wamp::{CallResult, Error, InvocationContext, Payload, RegisterOptions, Session};

use crate::cli::RegisterArgs;
use crate::error::{CliError, EXIT_CONNECT};
use crate::values::payload_json;

/// The most of a command's stdout taken as a result.
const MAX_STDOUT: u64 = 16 * 1024 * 1024;
/// The most of a command's stderr put into an error.
const MAX_STDERR: u64 = 4096;
const RUNTIME_ERROR: &str = "wamp.error.runtime_error";

/// Runs `wamp register` until Ctrl-C (or the session ends).
pub(crate) async fn run(session: &Session, a: RegisterArgs) -> Result<(), CliError> {
    let command = Arc::new(a.command);
    let shown = command
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let handler = procedure(move |inv| {
        let command = command.clone();
        async move { serve(&command, inv).await }
    });
    session
        .register(
            &a.uri,
            RegisterOptions::default().concurrency(a.concurrency),
            handler,
        )
        .await
        .map_err(|e| {
            let error = CliError::remote(&e);
            match e.uri() {
                "wamp.error.procedure_already_exists" => {
                    error.hint("another session serves it already; `wamp registrations` shows it")
                }
                "wamp.error.not_authorized" => {
                    error.hint(format!("your role may not register {}", a.uri))
                }
                _ => error,
            }
        })?;
    eprintln!(
        "wamp: registered {} served by `{shown}` (Ctrl-C to stop)",
        a.uri
    );
    tokio::select! {
        _ = tokio::signal::ctrl_c() => Ok(()),
        reason = session.closed() => Err(CliError::new(EXIT_CONNECT, format!("the session ended: {reason:?}"))),
    }
}

/// One invocation: the command's stdout as the result, or an error with its stderr.
async fn serve(command: &[PathBuf], inv: InvocationContext) -> Result<CallResult, Error> {
    let (args, kwargs) = payload_json(&inv.payload)?;
    let input = json!({"args": args, "kwargs": kwargs, "procedure": inv.details.procedure});
    let mut child = tokio::process::Command::new(&command[0])
        .args(&command[1..])
        .env("WAMP_PROCEDURE", &inv.details.procedure)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            Error::message(
                RUNTIME_ERROR,
                format!("cannot start `{}`: {e}", command[0].display()),
            )
        })?;
    let mut stdin = child.stdin.take();
    let mut stdout = child.stdout.take().map(|s| s.take(MAX_STDOUT + 1));
    let mut stderr = child.stderr.take().map(|s| s.take(MAX_STDERR));
    let write = async {
        if let Some(stdin) = &mut stdin {
            // A command that does not read its input is fine.
            let _ = stdin.write_all(input.to_string().as_bytes()).await;
            let _ = stdin.shutdown().await;
        }
        drop(stdin.take());
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let read_out = async {
        if let Some(s) = &mut stdout {
            let _ = s.read_to_end(&mut out).await;
        }
    };
    let read_err = async {
        if let Some(s) = &mut stderr {
            let _ = s.read_to_end(&mut err).await;
        }
    };
    let work = async {
        tokio::join!(write, read_out, read_err);
        child.wait().await
    };
    let status = tokio::select! {
        status = work => status.map_err(|e| Error::message(RUNTIME_ERROR, format!("waiting for the command: {e}")))?,
        _ = inv.cancel.cancelled() => {
            return Err(Error::message("wamp.error.canceled", "the call was canceled"));
        }
    };
    if !status.success() {
        let stderr = String::from_utf8_lossy(&err).trim().to_owned();
        let message = if stderr.is_empty() {
            format!("the command failed ({status})")
        } else {
            format!("the command failed ({status}): {stderr}")
        };
        return Err(Error::message(RUNTIME_ERROR, message));
    }
    if out.len() as u64 > MAX_STDOUT {
        return Err(Error::message(
            RUNTIME_ERROR,
            format!("the command printed more than {MAX_STDOUT} bytes"),
        ));
    }
    let text = String::from_utf8_lossy(&out);
    let text = text.trim();
    if text.is_empty() {
        return Ok(CallResult::empty());
    }
    let value: Json = serde_json::from_str(text).unwrap_or_else(|_| Json::String(text.to_owned()));
    Ok(CallResult::from_payload(Payload::encode_args(
        inv.session.serializer(),
        &[value],
    )?))
}
