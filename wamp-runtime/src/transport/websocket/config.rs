//! tungstenite's settings for WAMP connections.

use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// Read buffer of tungstenite: 8 KiB (its 128 KiB default is zero-filled on
/// every read and costs half the throughput of small messages).
const READ_BUFFER: usize = 8 * 1024;

/// Bytes tungstenite buffers before writing, unless flushed earlier.
const WRITE_BUFFER: usize = 64 * 1024;

/// The configuration of one connection accepting messages of at most
/// `max_incoming` bytes (0: unlimited).
pub(super) fn ws_config(max_incoming: usize) -> WebSocketConfig {
    let limit = (max_incoming != 0).then_some(max_incoming);
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(limit)
        .max_frame_size(limit)
}
