//! The discovery responses of ADR-32 and the per-endpoint accounting behind `STATS`.

use std::fmt;
use std::time::Duration;

use crate::proto::HeaderMap;

use super::{NATS_SERVICE_ERROR, NATS_SERVICE_ERROR_CODE};

pub use super::metadata::Metadata;

/// The reply to `$SRV.PING`: who the service is (`io.nats.micro.v1.ping_response`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PingResponse {
    /// The service's name: its kind, shared by every instance.
    pub name: String,
    /// This instance's id (a NUID).
    pub id: String,
    /// Its SemVer version.
    pub version: String,
    /// Its metadata.
    pub metadata: Metadata,
}

/// The reply to `$SRV.INFO`: the service and every endpoint it has
/// (`io.nats.micro.v1.info_response`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Info {
    /// The service's name.
    pub name: String,
    /// This instance's id.
    pub id: String,
    /// Its version.
    pub version: String,
    /// Its metadata.
    pub metadata: Metadata,
    /// What it is for (empty if none was given).
    pub description: String,
    /// Its endpoints, in the order they were added.
    pub endpoints: Vec<EndpointInfo>,
}

/// One endpoint in [`Info`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointInfo {
    /// The endpoint's name.
    pub name: String,
    /// The subject it subscribes to (its groups' prefixes included).
    pub subject: String,
    /// The queue group it subscribes in; empty when it subscribes without one.
    pub queue_group: String,
    /// Its metadata.
    pub metadata: Metadata,
}

/// The reply to `$SRV.STATS`: every endpoint's statistics
/// (`io.nats.micro.v1.stats_response`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// The service's name.
    pub name: String,
    /// This instance's id.
    pub id: String,
    /// Its version.
    pub version: String,
    /// Its metadata.
    pub metadata: Metadata,
    /// When it started (or its statistics were last reset), RFC 3339 in UTC as the service
    /// wrote it (see [`super::rfc3339`]).
    pub started: String,
    /// Its endpoints' statistics, in the order they were added.
    pub endpoints: Vec<EndpointStats>,
}

/// One endpoint's statistics in [`Stats`], and the running account a service keeps of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointStats {
    /// The endpoint's name.
    pub name: String,
    /// Its subject.
    pub subject: String,
    /// Its queue group (empty: none).
    pub queue_group: String,
    /// Requests it handled.
    pub num_requests: u64,
    /// Requests it answered with an error.
    pub num_errors: u64,
    /// The last error, `<code>:<description>` as nats.go writes it; empty when there was none.
    pub last_error: String,
    /// Total time spent handling requests, in nanoseconds.
    pub processing_time: u64,
    /// `processing_time / num_requests`, truncated (0 before the first request).
    pub average_processing_time: u64,
    /// Custom statistics: one JSON value, as text. Written as `null` when `None` or when it is
    /// not exactly one JSON value.
    pub data: Option<String>,
}

impl EndpointStats {
    /// An endpoint's account before its first request.
    pub fn new(
        name: impl Into<String>,
        subject: impl Into<String>,
        queue_group: impl Into<String>,
    ) -> Self {
        EndpointStats {
            name: name.into(),
            subject: subject.into(),
            queue_group: queue_group.into(),
            ..EndpointStats::default()
        }
    }

    /// Counts one handled request that took `processing`, answered with `error` if it failed.
    pub fn record(&mut self, processing: Duration, error: Option<&ServiceError>) {
        self.num_requests = self.num_requests.saturating_add(1);
        let nanos = u64::try_from(processing.as_nanos()).unwrap_or(u64::MAX);
        self.processing_time = self.processing_time.saturating_add(nanos);
        self.average_processing_time = self.processing_time / self.num_requests;
        if let Some(error) = error {
            self.record_error(error.to_string());
        }
    }

    /// Counts an error that is not an error answer: a reply that could not be sent, or the
    /// endpoint's subscription refused by the server. `last_error` is what went wrong.
    pub fn record_error(&mut self, last_error: impl Into<String>) {
        self.num_errors = self.num_errors.saturating_add(1);
        self.last_error = last_error.into();
    }

    /// Back to no requests, no errors, no time; name, subject and queue group stay.
    pub fn reset(&mut self) {
        *self = EndpointStats {
            name: std::mem::take(&mut self.name),
            subject: std::mem::take(&mut self.subject),
            queue_group: std::mem::take(&mut self.queue_group),
            data: self.data.take(),
            ..EndpointStats::default()
        };
    }
}

/// An error a service answers a request with: sent as the headers `Nats-Service-Error-Code`
/// (the code) and `Nats-Service-Error` (the description).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    /// A numeric code (HTTP-like by convention: 400, 404, 500, ...).
    pub code: u32,
    /// What went wrong, for a person to read.
    pub description: String,
}

impl ServiceError {
    /// An error with `code` and `description`.
    pub fn new(code: u32, description: impl Into<String>) -> Self {
        ServiceError {
            code,
            description: description.into(),
        }
    }

    /// The description as it is sent: an empty (or blank) one as `error <code>`, so that an
    /// error reply always says something (nats.go refuses an empty description).
    pub fn sent_description(&self) -> String {
        if self.description.trim().is_empty() {
            format!("error {}", self.code)
        } else {
            self.description.clone()
        }
    }

    /// The headers of the error reply. A header value cannot hold a line break, so CR and LF
    /// in the description are sent as spaces; an empty description is sent as
    /// [`ServiceError::sent_description`] says.
    pub fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let description = self.sent_description().replace(['\r', '\n'], " ");
        // Both names are valid and the values hold no line break: these cannot fail.
        let _ = headers.insert(NATS_SERVICE_ERROR, description);
        let _ = headers.insert(
            NATS_SERVICE_ERROR_CODE,
            crate::proto::Decimal::new(u64::from(self.code)).as_str(),
        );
        headers
    }
}

impl fmt::Display for ServiceError {
    /// `<code>:<description>`, as nats.go reports the last error (the description as sent).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.code, self.sent_description())
    }
}

impl std::error::Error for ServiceError {}
