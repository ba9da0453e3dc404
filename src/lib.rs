//! The demo page: NATS by Example's request-reply program as a yew page, live in the browser,
//! on the [`nats_web`] client. See [`app`].
#![warn(missing_docs)]

pub mod app;
