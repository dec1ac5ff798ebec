//! The server's choice of a serializer among the subprotocols a client offers.

use tokio_tungstenite::tungstenite::handshake::server::Request;
use tokio_tungstenite::tungstenite::http::header;

use crate::serializer::SerializerKind;
use crate::transport::ServerOptions;

/// The client's offered subprotocols, in its order of preference.
pub(super) fn offered_subprotocols(request: &Request) -> Vec<String> {
    request
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Chooses the serializer for a client's offer: its first offered subprotocol
/// we accept; JSON if it offered none and `json_fallback` is set. The flag
/// tells whether the choice goes back in `Sec-WebSocket-Protocol` (not for
/// the fallback); `Err` is the reason to refuse the client.
pub(super) fn negotiate(
    offered: &[String],
    options: &ServerOptions,
) -> Result<(SerializerKind, bool), String> {
    if offered.is_empty() {
        return if options.json_fallback && options.serializers.contains(&SerializerKind::Json) {
            Ok((SerializerKind::Json, false))
        } else {
            Err(
                "the client offered no WebSocket subprotocol; this server requires one of "
                    .to_owned()
                    + &accepted_list(options),
            )
        };
    }
    offered
        .iter()
        .filter_map(|p| SerializerKind::from_subprotocol(p))
        .find(|k| options.serializers.contains(k))
        .map(|k| (k, true))
        .ok_or_else(|| {
            format!(
                "no common WAMP serializer: the client offered {}, this server accepts {}",
                offered.join(", "),
                accepted_list(options)
            )
        })
}

fn accepted_list(options: &ServerOptions) -> String {
    options
        .serializers
        .iter()
        .map(|k| k.subprotocol())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_clients_order_wins_and_the_server_list_only_filters() {
        let options = ServerOptions::with_serializers([SerializerKind::Cbor, SerializerKind::Json]);
        let offered = offer(&["wamp.2.msgpack", "wamp.2.json", "wamp.2.cbor"]);
        assert_eq!(
            negotiate(&offered, &options),
            Ok((SerializerKind::Json, true))
        );
        let err = negotiate(&offer(&["wamp.2.msgpack", "x"]), &options).unwrap_err();
        assert!(err.contains("wamp.2.msgpack, x"), "{err}");
    }

    #[test]
    fn no_offer_falls_back_to_json_only_when_allowed() {
        let mut options = ServerOptions::default();
        assert_eq!(negotiate(&[], &options), Ok((SerializerKind::Json, false)));
        options.json_fallback = false;
        assert!(negotiate(&[], &options).is_err());
    }
}
