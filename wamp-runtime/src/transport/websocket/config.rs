//! tungstenite's settings for WAMP connections.
//!
//! tungstenite keeps its read buffer, zero-filled to its full size, for the
//! life of a connection: it is kept small here, and the `Elastic` stream
//! below tungstenite reads the socket in big chunks with a buffer that exists
//! only while it holds data, so that an idle connection costs little memory.
//! tungstenite's write buffer starts empty and grows to the largest batch
//! written (it keeps that capacity).

use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// tungstenite's read buffer, and the most it reads at once from the
/// elastic stream below (which reads the socket in bigger chunks). Its 128
/// KiB default is zero-filled on every read and costs half the throughput
/// of small messages; a bigger message grows it as needed.
const READ_BUFFER: usize = 1024;

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
