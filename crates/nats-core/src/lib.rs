//! A sans-IO NATS client core: the client protocol and the connection state machine, with no
//! I/O, no clock, no randomness of its own and no runtime.
//!
//! * [`proto`] is the wire format: server and client operations, an incremental parser, an
//!   encoder, headers and status codes, subject validation and NUIDs.
//! * [`conn`] is the connection: fed bytes and the current [`Instant`], it hands back bytes to
//!   send, the transport to open, the next deadline and [`conn::Event`]s.
//! * [`service`] is the NATS service protocol (ADR-32) as data: validation, the discovery
//!   responses and their JSON, and per-endpoint statistics.
//!
//! Its owner supplies the I/O: the browser client `nats-web` drives it over a WebSocket; the
//! tests of this crate drive it over TCP against a real `nats-server`; anything else that can
//! move bytes (a Web Worker, a native socket, a test script) can do the same. Time comes in as
//! [`Instant`]s and randomness as the seed of [`Connection::new`], so the same input always
//! gives the same output.
//!
//! # The owner's run loop
//!
//! Whoever owns a [`Connection`] runs one loop, the same on every platform:
//!
//! ```text
//! loop {
//!     while let Some(t) = conn.poll_transport() { open or close the transport }
//!     conn.poll_transmit(&mut buf);            write buf to the transport (one frame)
//!     while let Some(e) = conn.poll_event() { hand the event to the application }
//!     wait for bytes from the transport, or until conn.poll_timeout(), then call
//!     conn.handle_input(now, bytes) / conn.handle_transport_closed(now, why) /
//!     conn.handle_timeout(now)
//! }
//! ```
//!
//! Commands (`subscribe`, `publish`, `request`, `flush`, `drain`, `close`) only queue work for
//! the next `poll_transmit`, so they can be given at any time, even before the connection is
//! up. Below, the loop is unrolled step by step against a scripted server: the owner feeds
//! the connection the server's bytes, sends what it asks to send and handles what it
//! reports. (The crate's README has the same loop over `std::net::TcpStream`.)
//!
//! ```
//! use nats_core::conn::{ConnectOptions, Connection, Event, Transport};
//! use nats_core::Instant;
//!
//! // The owner keeps the time and supplies the randomness: 32 bytes from the platform's
//! // random source (crypto.getRandomValues in a browser).
//! let mut now = Instant::ORIGIN;
//! let options = ConnectOptions::new().servers(["ws://127.0.0.1:4280"]);
//! let mut conn = Connection::new(now, options, [7; 32]);
//!
//! // 1. The connection asks for a transport; the owner opens it (here: pretends to).
//! assert_eq!(conn.poll_transport(), Some(Transport::Open("ws://127.0.0.1:4280".into())));
//!
//! // 2. Bytes from the server go in: INFO, then PONG answers our PING.
//! conn.handle_input(now, b"INFO {\"server_id\":\"S\",\"max_payload\":1048576,\"headers\":true}\r\n");
//! let mut wire = Vec::new();
//! conn.poll_transmit(&mut wire); // CONNECT and PING, to be written as one frame
//! assert!(wire.starts_with(b"CONNECT {"));
//! conn.handle_input(now, b"PONG\r\n");
//! assert!(matches!(conn.poll_event(), Some(Event::Connected { .. })));
//!
//! // 3. Commands only queue work; what to send comes out of poll_transmit.
//! let sid = conn.subscribe("greet.*", None).unwrap();
//! conn.publish("greet.joe", None, None, b"hi").unwrap();
//! wire.clear();
//! conn.poll_transmit(&mut wire);
//! assert_eq!(wire, format!("SUB greet.* {sid}\r\nPUB greet.joe 2\r\nhi\r\n").as_bytes());
//!
//! // 4. Messages come out as events.
//! conn.handle_input(now, format!("MSG greet.joe {sid} 2\r\nhi\r\n").as_bytes());
//! match conn.poll_event() {
//!     Some(Event::Message { message, .. }) => assert_eq!(&message.payload[..], b"hi"),
//!     other => panic!("expected the message, got {other:?}"),
//! }
//!
//! // 5. Time goes in too: sleep until poll_timeout, then call handle_timeout.
//! let deadline = conn.poll_timeout().expect("the ping timer is armed");
//! now = deadline;
//! conn.handle_timeout(now);
//! wire.clear();
//! conn.poll_transmit(&mut wire);
//! assert_eq!(wire, b"PING\r\n");
//!
//! // 6. The transport drops: the connection says so, has the owner let go of the old one and,
//! //    when its reconnect wait is over, asks for a new one; the new handshake sends the
//! //    subscription again.
//! conn.handle_transport_closed(now, "the socket closed");
//! assert!(matches!(conn.poll_event(), Some(Event::Disconnected { .. })));
//! assert_eq!(conn.poll_transport(), Some(Transport::Close));
//! let transport = loop {
//!     if let Some(transport) = conn.poll_transport() {
//!         break transport;
//!     }
//!     now = conn.poll_timeout().expect("the reconnect wait");
//!     conn.handle_timeout(now);
//! };
//! assert_eq!(transport, Transport::Open("ws://127.0.0.1:4280".into()));
//! conn.handle_input(now, b"INFO {\"server_id\":\"S\",\"max_payload\":1048576}\r\n");
//! wire.clear();
//! conn.poll_transmit(&mut wire);
//! let handshake = String::from_utf8_lossy(&wire);
//! assert!(handshake.starts_with("CONNECT {"));
//! assert!(handshake.contains(&format!("\r\nSUB greet.* {sid}\r\n")));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod conn;
pub mod id_map;
#[cfg(feature = "jetstream")]
pub mod jetstream;
#[cfg(feature = "jetstream")]
pub mod kv;
pub mod proto;
pub mod random;
pub mod service;
pub mod time;

pub use conn::{ConnectOptions, Connection};

// The README's examples are doctests too, so they compile against the API they show.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

// The unit tests also run in headless Chromium (`wasm-pack test --lib`): 32-bit, the browser's
// wasm engine.
#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
pub use random::Random;
pub use time::Instant;
