//! A NATS client for the browser, in Rust: the async API over nats-server's WebSocket
//! listener, for any Rust web framework (yew, leptos, dioxus) or none.
//!
//! * [`connect`] opens a [`Client`]: a cheap handle to one connection that reconnects on its
//!   own, keeps its subscriptions and holds publishes while it does.
//! * [`Client::subscribe`], [`Client::publish`], [`Client::request`], [`Message::respond`],
//!   [`Client::drain`]: named as async-nats names them.
//! * The protocol itself is the sans-IO [`nats_core`] crate, re-exported here as [`conn`] and
//!   [`proto`]; this crate adds the browser WebSocket ([`ws`]), the clock, the random seed and
//!   the futures.
//!
//! Data flows one way at each layer:
//! `bytes -> parser -> connection state -> events -> futures and streams` and back
//! `call -> queued client ops -> encoder -> one WebSocket frame`.
//!
//! # The NATS by Example request-reply program
//!
//! The page runs this, in the browser, against nats-server's WebSocket listener:
//!
//! ```no_run
//! use std::time::Duration;
//! use futures::StreamExt;
//! use nats_web::client::RequestErrorKind;
//! use nats_web::{connect, ConnectOptions};
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
//!
//! # On a page, in a framework
//!
//! The crate's `examples/plain_page` is this program on a page with no framework (plain
//! wasm-bindgen and web-sys, built with trunk). In yew, leptos or dioxus, start the client's
//! futures with the framework's `spawn_local`, connect once near the root and keep the
//! [`Client`] in context; the README shows it in leptos and dioxus. A `Client` is a cheap
//! handle (clones share one connection) and `!Send`: the page has one thread.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod client;
#[cfg(feature = "jetstream")]
pub mod jetstream;
#[cfg(feature = "jetstream")]
pub mod kv;
mod platform;
pub mod service;
pub mod ws;

// The README's examples are doctests too, so they compile against the API they show.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use client::{
    connect, connect_with_auth_callback, Client, ClientEvent, ConnectError, ConnectErrorKind,
    DrainError, Error, ErrorKind, Message, RequestError, RequestErrorKind, RequestMany, Responses,
    ResponsesEnd, State, SubscribeOptions, Subscriber, SubscriberHandle,
};
pub use nats_core::conn::{Auth, ConnectOptions};
pub use nats_core::proto::{HeaderMap, StatusCode};
/// async-nats' name for what the client reports besides messages.
pub type Event = ClientEvent;
/// The sans-IO core this client drives, for its types and for native use.
pub use nats_core::{self, conn, proto};
