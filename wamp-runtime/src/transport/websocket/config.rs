//! tungstenite's settings for WAMP connections.
//!
//! tungstenite keeps its read buffer, zero-filled to its full size, for the
//! life of a connection, and its write buffer at the largest size it ever
//! reached. Both are kept small here: the [`Elastic`](crate::transport::elastic)
//! stream below tungstenite does the batching, with buffers that exist only
//! while they hold data, so that an idle connection costs little memory.

use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// tungstenite's read buffer, and the most it reads at once from the
/// elastic stream below (which reads the socket in bigger chunks). Its 128
/// KiB default is zero-filled on every read and costs half the throughput
/// of small messages; a bigger message grows it as needed.
const READ_BUFFER: usize = 1024;

/// Bytes tungstenite buffers before writing to the elastic stream below,
/// which batches writes itself.
const WRITE_BUFFER: usize = 0;

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
