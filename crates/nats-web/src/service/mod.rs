//! NATS services (ADR-32, the "micro" protocol of nats.go, nats.js, async-nats and nats-py):
//! a responder that every NATS tool can discover, measure and load-balance.
//!
//! * [`crate::Client::service_builder`] names, versions and starts a [`Service`]; the service
//!   answers `$SRV.PING`, `$SRV.INFO` and `$SRV.STATS`, each bare, `.<name>` and
//!   `.<name>.<id>`, with the protocol's JSON (the types and their JSON are
//!   [`nats_core::service`], re-exported here).
//! * [`Service::endpoint`] (and [`Service::group`], [`Service::endpoint_builder`]) adds an
//!   [`Endpoint`]: a stream of [`Request`]s, subscribed in queue group `q` unless the
//!   service, a group or the endpoint says otherwise, so that several pages running the same
//!   service share its requests. [`Request::respond`] answers, `Err(ServiceError)` as an error
//!   reply with the `Nats-Service-Error` and `Nats-Service-Error-Code` headers; each answer is
//!   counted in the endpoint's statistics with the time it took.
//! * [`Service::stop`] drains every subscription of the service: it is gone from discovery.
//!   It also stops on its own when the connection closes or the server refuses one of its
//!   subscriptions ([`Service::closed`] and [`Service::error`] say why), and when the
//!   application has dropped every [`Service`] handle and [`Endpoint`] of it (it then no
//!   longer keeps the connection open). [`crate::Client::service_builder`]'s `start` and
//!   [`Service::endpoint`] resolve once the server has the subscriptions.
//! * [`Discovery`] asks every service on the server (or those of one name) for its ping, info
//!   or statistics.
//!
//! ```no_run
//! use futures::StreamExt;
//! use nats_web::service::ServiceError;
//!
//! async fn greet(client: nats_web::Client) -> Result<(), nats_web::service::Error> {
//!     let service = client
//!         .service_builder()
//!         .name("greet")
//!         .version("1.0.0")
//!         .description("says hello")
//!         .start()
//!         .await?;
//!     let mut hello = service.endpoint("hello", "greet.*").await?;
//!     while let Some(request) = hello.next().await {
//!         let name = request.subject().strip_prefix("greet.").unwrap_or_default().to_owned();
//!         let reply = if name.is_empty() {
//!             Err(ServiceError::new(400, "who?"))
//!         } else {
//!             Ok(format!("hello, {name}").into_bytes())
//!         };
//!         let _ = request.respond(reply).await;
//!     }
//!     Ok(())
//! }
//! ```

mod builder;
mod discovery;
mod endpoint;
mod error;
mod group;
mod instance;
mod lifecycle;
mod task;

pub use builder::ServiceBuilder;
pub use discovery::{Discovery, DISCOVERY_MAX_WAIT, DISCOVERY_STALL};
pub use endpoint::{Endpoint, Request};
pub use error::Error;
pub use group::{EndpointBuilder, Group};
pub use instance::Service;
pub use nats_core::service::validate::ConfigError;
pub use nats_core::service::{
    control_subject, control_subject_with_prefix, read_info, read_ping, read_stats, rfc3339,
    EndpointInfo, EndpointStats, Info, Metadata, PingResponse, ReadError, ServiceError, Stats,
    Verb, API_PREFIX, DEFAULT_QUEUE_GROUP, INFO_RESPONSE_TYPE, NATS_SERVICE_ERROR,
    NATS_SERVICE_ERROR_CODE, PING_RESPONSE_TYPE, STATS_RESPONSE_TYPE,
};
