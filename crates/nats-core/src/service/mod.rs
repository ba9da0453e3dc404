//! NATS services, the "micro" protocol of ADR-32, as data: no I/O, no clock.
//!
//! A service is a named, versioned set of request handlers (endpoints) that answers the
//! discovery requests `$SRV.PING`, `$SRV.INFO` and `$SRV.STATS` (each bare, `.<name>` and
//! `.<name>.<id>`) with the JSON of [`PingResponse`], [`Info`] and [`Stats`]. This module
//! holds what every implementation needs and can be checked natively:
//!
//! * [`validate`]: service and endpoint names, SemVer versions, endpoint subjects and queue
//!   groups, as ADR-32 (and nats.go's regular expressions) define them;
//! * the response types and their JSON: writers that write exactly the members nats.go,
//!   nats.js and nats-py write, and lenient readers for discovery that skip what they do not
//!   know and never panic on what a peer sends ([`read_ping`], [`read_info`], [`read_stats`]);
//! * [`rfc3339`]: the `started` time, from Unix-time nanoseconds;
//! * per-endpoint accounting ([`EndpointStats::record`], [`EndpointStats::reset`]) and the
//!   error reply's headers ([`ServiceError::headers`]).
//!
//! The browser runtime (subscriptions, the discovery task, `Discovery`) is `nats_web::service`.

mod metadata;
mod read;
mod rfc3339_time;
mod types;
pub mod validate;
mod write;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

pub use read::{read_info, read_ping, read_stats, ReadError};
pub use rfc3339_time::rfc3339;
pub use types::{EndpointInfo, EndpointStats, Info, Metadata, PingResponse, ServiceError, Stats};
pub use write::{write_info, write_ping, write_stats};

/// The prefix of every discovery subject unless a service or discovery client is given
/// another (`api_prefix`).
pub const API_PREFIX: &str = "$SRV";
/// The queue group endpoints subscribe in unless told otherwise.
pub const DEFAULT_QUEUE_GROUP: &str = "q";
/// The header of an error reply that describes the error.
pub const NATS_SERVICE_ERROR: &str = "Nats-Service-Error";
/// The header of an error reply that holds its numeric code.
pub const NATS_SERVICE_ERROR_CODE: &str = "Nats-Service-Error-Code";
/// The `type` of a `PING` reply.
pub const PING_RESPONSE_TYPE: &str = "io.nats.micro.v1.ping_response";
/// The `type` of an `INFO` reply.
pub const INFO_RESPONSE_TYPE: &str = "io.nats.micro.v1.info_response";
/// The `type` of a `STATS` reply.
pub const STATS_RESPONSE_TYPE: &str = "io.nats.micro.v1.stats_response";

/// A discovery verb: what a `$SRV.<verb>...` request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// `PING`: who is there ([`PingResponse`]).
    Ping,
    /// `INFO`: the service and its endpoints ([`Info`]).
    Info,
    /// `STATS`: the endpoints' statistics ([`Stats`]).
    Stats,
}

impl Verb {
    /// All three, in the order services subscribe to them.
    pub const ALL: [Verb; 3] = [Verb::Ping, Verb::Info, Verb::Stats];

    /// The verb as it appears in the subject.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Ping => "PING",
            Verb::Info => "INFO",
            Verb::Stats => "STATS",
        }
    }
}

/// The discovery subject of `verb`: `$SRV.<VERB>` for every service, `$SRV.<VERB>.<name>` for
/// the services called `name`, `$SRV.<VERB>.<name>.<id>` for one instance (an `id` without a
/// `name` is ignored, as there is no such subject). The prefix is [`API_PREFIX`]; for another
/// one, [`control_subject_with_prefix`].
pub fn control_subject(verb: Verb, name: Option<&str>, id: Option<&str>) -> String {
    control_subject_with_prefix(API_PREFIX, verb, name, id)
}

/// The discovery subject of `verb` under `prefix` instead of `$SRV` (ADR-32: the prefix is
/// overridable, as `$JS` is, so that tools reach services across accounts):
/// `<prefix>.<VERB>[.<name>[.<id>]]`. The prefix is used as it is, case included; check it
/// with [`validate::api_prefix`] first.
pub fn control_subject_with_prefix(
    prefix: &str,
    verb: Verb,
    name: Option<&str>,
    id: Option<&str>,
) -> String {
    let mut subject = format!("{prefix}.{}", verb.as_str());
    if let Some(name) = name {
        subject.push('.');
        subject.push_str(name);
        if let Some(id) = id {
            subject.push('.');
            subject.push_str(id);
        }
    }
    subject
}
