//! The client's opening handshake: offer our serializers as subprotocols,
//! check the one the server selects.

use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue, header};

use super::config::ws_config;
use super::error::map_handshake_error;
use super::frames::transport;
use crate::serializer::SerializerKind;
use crate::transport::elastic::Elastic;
use crate::transport::io::{ByteStream, StreamInfo, with_timeout};
use crate::transport::{ClientOptions, Transport, TransportError};

/// Runs the client opening handshake on `stream` for `url`, offering
/// `options.serializers` in order. Fails with
/// [`TransportError::SerializerRefused`] unless the server selects one of them.
pub(crate) async fn client<S: ByteStream>(
    stream: S,
    url: &str,
    options: &ClientOptions,
) -> Result<Transport, TransportError> {
    if options.serializers.is_empty() {
        return Err(TransportError::SerializerRefused(
            "no serializer to offer".into(),
        ));
    }
    let offered = options
        .serializers
        .iter()
        .map(|k| k.subprotocol())
        .collect::<Vec<_>>()
        .join(", ");
    let mut request = url
        .into_client_request()
        .map_err(|e| TransportError::InvalidUrl {
            url: url.to_owned(),
            reason: e.to_string(),
        })?;
    let headers = request.headers_mut();
    for (name, value) in &options.headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| TransportError::Handshake(format!("invalid header name `{name}`: {e}")))?;
        let value = HeaderValue::from_str(value).map_err(|e| {
            TransportError::Handshake(format!("invalid value for header `{name}`: {e}"))
        })?;
        headers.append(name, value);
    }
    headers.insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_str(&offered).map_err(|e| TransportError::Handshake(e.to_string()))?,
    );

    let info = StreamInfo::of(&stream);
    let stream = Elastic::new(stream);
    let config = ws_config(options.max_incoming);
    let (ws, response) = with_timeout(
        options.handshake_timeout,
        "WebSocket opening handshake",
        async {
            tokio_tungstenite::client_async_with_config(request, stream, Some(config))
                .await
                .map_err(|e| map_handshake_error(e, &offered))
        },
    )
    .await?;

    let selected = response
        .headers()
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    let serializer = selected
        .and_then(SerializerKind::from_subprotocol)
        .filter(|k| options.serializers.contains(k))
        .ok_or_else(|| {
            TransportError::SerializerRefused(format!(
                "server selected subprotocol {selected:?}, we offered {offered}"
            ))
        })?;
    tracing::debug!(%serializer, url, "WebSocket client connected");
    Ok(transport(
        ws,
        false,
        serializer,
        info,
        options.max_incoming,
        options.max_outgoing,
        options.keepalive,
    ))
}
