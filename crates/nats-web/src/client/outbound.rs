//! What waits to be handed to the WebSocket. The browser's own send buffer
//! (`WebSocket.bufferedAmount`) has no limit and no back-pressure: bytes handed to `send` stay
//! in the tab's memory until the network takes them. So the client hands over bytes only while
//! `bufferedAmount` is under [`SEND_HIGH_WATER_MARK`], in frames of at most
//! [`MAX_FRAME_BYTES`], and keeps the rest here, bounded by
//! [`ConnectOptions::send_buffer_size`](crate::ConnectOptions::send_buffer_size); a
//! publish that does not fit is refused with a typed error, never dropped silently.

use std::time::Duration;

use crate::ws::Socket;

/// `bufferedAmount` at or above which no more bytes are handed to the socket. 1 MiB: a
/// megabyte-sized publish (nats-server's default `max_payload`) still goes out at once, and a
/// slow uplink holds at most this (plus one frame) in the browser's buffer.
pub const SEND_HIGH_WATER_MARK: u32 = 1 << 20;

/// The largest frame handed to the socket at once; a longer backlog goes as several frames
/// (nats-server reads the frames' payloads as one byte stream, so an operation may span them).
pub const MAX_FRAME_BYTES: usize = 256 * 1024;

/// How soon `bufferedAmount` is looked at again while bytes wait here (the browser reports no
/// event when its send buffer drains).
pub(crate) const RETRY_AFTER: Duration = Duration::from_millis(10);

/// Bytes for the wire not yet handed to the socket, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Outbound {
    bytes: Vec<u8>,
    /// Bytes before this were handed over already.
    start: usize,
}

impl Outbound {
    /// Bytes waiting.
    pub fn len(&self) -> usize {
        self.bytes.len() - self.start
    }

    /// Nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where new bytes for the wire are appended.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    /// Whether `size` more bytes fit under `limit`. An empty backlog takes anything, so a
    /// limit below one message never blocks it for good.
    pub fn has_room_for(&self, size: usize, limit: usize) -> bool {
        self.is_empty() || self.len().saturating_add(size) <= limit
    }

    /// Forgets what waits: it was meant for a transport that is gone.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.start = 0;
    }

    /// Hands bytes to `socket` in frames of at most [`MAX_FRAME_BYTES`] while its
    /// `bufferedAmount` is under [`SEND_HIGH_WATER_MARK`], or all of them when `everything`
    /// (the connection is closing: what was queued goes before the close frame).
    pub fn write_to(&mut self, socket: &Socket, everything: bool) {
        if !socket.is_open() {
            return;
        }
        while !self.is_empty() && (everything || socket.buffered_amount() < SEND_HIGH_WATER_MARK) {
            let end = self.start + self.len().min(MAX_FRAME_BYTES);
            let Some(frame) = self.bytes.get(self.start..end) else {
                break;
            };
            if socket.send(frame).is_err() {
                // The socket is closing; its close event follows and clears what is left.
                break;
            }
            self.start = end;
        }
        if self.is_empty() {
            self.clear();
        } else if self.start > self.bytes.len() / 2 {
            self.bytes.drain(..self.start);
            self.start = 0;
        }
    }
}
