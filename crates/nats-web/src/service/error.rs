//! [`Error`]: why a service could not start, take an endpoint, stop, or discover.

use nats_core::service::validate::ConfigError;

use crate::client::{self, RequestError};

/// What went wrong with a service operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A name, version, subject, queue group or API prefix that ADR-32 does not allow;
    /// nothing was sent.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// [`crate::service::ServiceBuilder::start`] without a name or version.
    #[error("a service needs a {0}: set it on the builder")]
    Missing(&'static str),
    /// The service was stopped: it takes no new endpoints.
    #[error("the service was stopped")]
    Stopped,
    /// The client refused a subscribe, publish or drain (closed, draining, permission).
    #[error(transparent)]
    Client(#[from] client::Error),
    /// A discovery request could not be sent (closed, draining, buffer full).
    #[error(transparent)]
    Request(#[from] RequestError),
}
