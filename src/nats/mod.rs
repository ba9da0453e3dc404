//! The NATS client: the sans-IO protocol core, the connection state machine, the browser
//! WebSocket transport and the async API built on them. Imports nothing of the page.

pub mod client;
pub mod conn;
mod id_map;
pub mod proto;
pub mod ws;

pub use client::{connect, Client, Message, Subscriber};
pub use conn::ConnectOptions;
