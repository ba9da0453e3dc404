//! NATS in the browser, in Rust.
//!
//! The crate is layered so that each layer can be tested on its own:
//!
//! * [`nats::proto`] is the wire format: server and client operations, an incremental parser,
//!   an encoder, headers and status codes, subject validation and NUIDs. It performs no I/O.
//! * [`nats::conn`] is the connection state machine. It is fed bytes and the current time and
//!   hands back bytes to send, the next deadline and [`nats::conn::Event`]s. It performs no I/O
//!   and reads no clock, so the same code runs natively (tests drive it over TCP against a real
//!   `nats-server`) and in the browser (over a WebSocket).
//!
//! * [`nats::client`] is the async API (`connect`, `subscribe`, `request`, `drain`, ...) over
//!   [`nats::ws`], the browser WebSocket transport.
//! * [`app`] is the yew page that runs the NATS by Example request-reply program.
//!
//! Data flows one way at each layer:
//! `bytes -> parser -> connection state -> events` and back
//! `command -> queued client ops -> encoder -> one transport write`.
#![warn(missing_docs)]

pub mod app;
pub mod nats;
