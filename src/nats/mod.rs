//! The NATS client: the sans-IO protocol core and the connection state machine.

pub mod conn;
pub mod proto;
