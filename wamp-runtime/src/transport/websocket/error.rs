//! tungstenite's errors as [`TransportError`]s.

use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError, ProtocolError};

use crate::transport::TransportError;

/// Maps a tungstenite error on an established connection.
pub(super) fn map_ws_error(e: WsError) -> TransportError {
    match e {
        WsError::Io(e) => TransportError::Io(e),
        WsError::Capacity(CapacityError::MessageTooLong { size, max_size }) => {
            TransportError::MessageTooLarge {
                size,
                limit: max_size,
            }
        }
        WsError::ConnectionClosed | WsError::AlreadyClosed => TransportError::Closed,
        WsError::Utf8(e) => {
            TransportError::Framing(format!("invalid UTF-8 in a text message: {e}"))
        }
        other => TransportError::Framing(format!("WebSocket error: {other}")),
    }
}

/// Maps a tungstenite error of the opening handshake; `offered` lists the
/// subprotocols a client offered (empty on the server side).
pub(super) fn map_handshake_error(e: WsError, offered: &str) -> TransportError {
    match e {
        WsError::Io(e) => TransportError::Io(e),
        WsError::Protocol(ProtocolError::SecWebSocketSubProtocolError(e)) => {
            TransportError::SerializerRefused(format!(
                "server did not select one of our WebSocket subprotocols ({offered}): {e}"
            ))
        }
        WsError::Http(response) => {
            let body = response
                .body()
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            TransportError::Handshake(format!(
                "server refused the WebSocket handshake with HTTP {}: {}",
                response.status(),
                body.trim()
            ))
        }
        WsError::Url(e) => TransportError::InvalidUrl {
            url: String::new(),
            reason: e.to_string(),
        },
        other => TransportError::Handshake(format!("WebSocket opening handshake failed: {other}")),
    }
}
