//! The server's opening handshake: negotiate a serializer in tungstenite's
//! header callback, refuse with HTTP 400 when there is none.

use std::sync::Mutex;

use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode, header};

use super::config::ws_config;
use super::error::map_handshake_error;
use super::frames::transport;
use super::negotiate::{negotiate, offered_subprotocols};
use crate::serializer::SerializerKind;
use crate::transport::elastic::Elastic;
use crate::transport::io::{ByteStream, StreamInfo, with_timeout};
use crate::transport::{ServerOptions, Transport, TransportError};

/// Runs the server opening handshake on `stream` (a TCP stream, or a TLS
/// stream already accepted). A client offering only subprotocols we do not
/// accept gets HTTP 400 and this returns [`TransportError::SerializerRefused`].
pub(crate) async fn server<S: ByteStream>(
    stream: S,
    options: &ServerOptions,
) -> Result<Transport, TransportError> {
    let info = StreamInfo::of(&stream);
    let stream = Elastic::new(stream);
    let outcome: Mutex<Option<Result<SerializerKind, String>>> = Mutex::new(None);
    // The error type is tungstenite's, not ours to shrink.
    #[allow(clippy::result_large_err)]
    let callback = |request: &Request, mut response: Response| -> Result<Response, ErrorResponse> {
        let result = negotiate(&offered_subprotocols(request), options);
        let reply = match &result {
            Ok((serializer, true)) => {
                response.headers_mut().insert(
                    header::SEC_WEBSOCKET_PROTOCOL,
                    HeaderValue::from_static(serializer.subprotocol()),
                );
                Ok(response)
            }
            Ok((_, false)) => Ok(response),
            Err(reason) => {
                let mut refusal = ErrorResponse::new(Some(reason.clone()));
                *refusal.status_mut() = StatusCode::BAD_REQUEST;
                Err(refusal)
            }
        };
        if let Ok(mut slot) = outcome.lock() {
            *slot = Some(result.map(|(k, _)| k));
        }
        reply
    };
    let config = ws_config(options.max_incoming);
    let handshake = with_timeout(
        options.handshake_timeout,
        "WebSocket opening handshake",
        async {
            tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config))
                .await
                .map_err(|e| map_handshake_error(e, ""))
        },
    )
    .await;
    let negotiated = outcome.lock().ok().and_then(|mut slot| slot.take());
    let (ws, serializer) = match (handshake, negotiated) {
        (Ok(ws), Some(Ok(serializer))) => (ws, serializer),
        (_, Some(Err(reason))) => return Err(TransportError::SerializerRefused(reason)),
        (Err(e), _) => return Err(e),
        (Ok(_), None) => {
            return Err(TransportError::Handshake(
                "WebSocket handshake completed without negotiation".into(),
            ));
        }
    };
    tracing::debug!(%serializer, peer = ?info.peer, "WebSocket server accepted");
    Ok(transport(
        ws,
        true,
        serializer,
        info,
        options.max_incoming,
        options.max_outgoing,
        options.keepalive,
    ))
}
