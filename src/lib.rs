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
//! # The NATS by Example request-reply program
//!
//! The page runs this, in the browser, against nats-server's WebSocket listener:
//!
//! ```no_run
//! use std::time::Duration;
//! use futures::StreamExt;
//! use nats_web::nats::client::RequestErrorKind;
//! use nats_web::nats::{connect, ConnectOptions};
//!
//! async fn request_reply() -> Result<(), Box<dyn std::error::Error>> {
//!     let client = connect(ConnectOptions::new().servers(["ws://127.0.0.1:4280"])).await?;
//!
//!     // A service: answers `hello, <name>` on greet.<name>.
//!     let mut responder = client.subscribe("greet.*").await?;
//!     let responder_handle = responder.handle();
//!     wasm_bindgen_futures::spawn_local(async move {
//!         while let Some(msg) = responder.next().await {
//!             if let Some(name) = msg.subject.strip_prefix("greet.") {
//!                 let _ = msg.respond(format!("hello, {name}")).await;
//!             }
//!         }
//!     });
//!
//!     for name in ["joe", "sue", "bob"] {
//!         let reply = client
//!             .request(format!("greet.{name}"), "")
//!             .timeout(Duration::from_millis(500))
//!             .await?;
//!         println!("{}", String::from_utf8_lossy(&reply.payload)); // hello, joe ...
//!     }
//!
//!     // Without the service, a request fails at once with "no responders".
//!     responder_handle.drain().await?;
//!     match client.request("greet.joe", "").timeout(Duration::from_millis(500)).await {
//!         Err(e) if e.kind() == RequestErrorKind::NoResponders => println!("no responders"),
//!         other => println!("unexpected: {other:?}"),
//!     }
//!
//!     client.drain().await?;
//!     Ok(())
//! }
//! ```
#![warn(missing_docs)]

pub mod app;
pub mod nats;
