//! [`Group`]: a subject prefix with a default queue group; [`EndpointBuilder`]: an endpoint's
//! name, metadata and queue group before it is added.

use nats_core::service::{validate, Metadata};

use super::endpoint::Endpoint;
use super::instance::Service;
use super::Error;

/// A prefix for endpoint subjects, with its own default queue group (ADR-32 groups); from
/// [`Service::group`] or [`Group::group`].
#[derive(Clone)]
pub struct Group {
    service: Service,
    prefix: String,
    queue_group: Option<String>,
}

impl Group {
    pub(crate) fn new(service: Service, prefix: String, queue_group: Option<String>) -> Self {
        Group {
            service,
            prefix,
            queue_group,
        }
    }

    /// The queue group of the endpoints added to this group (and its subgroups) unless they
    /// set their own.
    pub fn queue_group(mut self, queue_group: impl Into<String>) -> Self {
        self.queue_group = Some(queue_group.into());
        self
    }

    /// This group's endpoints subscribe without a queue group unless they set one.
    pub fn no_queue_group(mut self) -> Self {
        self.queue_group = None;
        self
    }

    /// A subgroup: prefix `<this prefix>.<prefix>`.
    pub fn group(&self, prefix: impl Into<String>) -> Group {
        Group {
            service: self.service.clone(),
            prefix: join(&self.prefix, &prefix.into()),
            queue_group: self.queue_group.clone(),
        }
    }

    /// Adds endpoint `name` on `<prefix>.<subject>`.
    pub async fn endpoint(
        &self,
        name: impl Into<String>,
        subject: impl Into<String>,
    ) -> Result<Endpoint, Error> {
        self.endpoint_builder().name(name).add(subject).await
    }

    /// An endpoint in this group with metadata or its own queue group.
    pub fn endpoint_builder(&self) -> EndpointBuilder {
        EndpointBuilder {
            group: self.clone(),
            name: None,
            metadata: Metadata::new(),
            queue_group: self.queue_group.clone(),
        }
    }
}

/// `prefix.rest`, or whichever is not empty.
fn join(prefix: &str, rest: &str) -> String {
    match (prefix.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_owned(),
        (_, true) => prefix.to_owned(),
        _ => format!("{prefix}.{rest}"),
    }
}

/// An endpoint being configured; from [`Service::endpoint_builder`] or
/// [`Group::endpoint_builder`].
#[must_use = "an endpoint does nothing until it is added"]
pub struct EndpointBuilder {
    group: Group,
    name: Option<String>,
    metadata: Metadata,
    queue_group: Option<String>,
}

impl EndpointBuilder {
    /// The endpoint's name (`A-Z a-z 0-9 - _`); without one, its subject is its name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Its metadata, fixed once added.
    pub fn metadata<K: Into<String>, V: Into<String>>(
        mut self,
        metadata: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.metadata = metadata.into_iter().collect();
        self
    }

    /// Its queue group, whatever the service's and group's.
    pub fn queue_group(mut self, queue_group: impl Into<String>) -> Self {
        self.queue_group = Some(queue_group.into());
        self
    }

    /// It subscribes without a queue group: every instance gets every request.
    pub fn no_queue_group(mut self) -> Self {
        self.queue_group = None;
        self
    }

    /// Checks name, subject and queue group, subscribes on `<group prefix>.<subject>`, and
    /// resolves once the server has the subscription (a flush): others can reach the endpoint
    /// then. If the server refuses it (permissions), this fails with that error (kind
    /// [`crate::client::ErrorKind::PermissionDenied`]) and the service stops with it.
    pub async fn add(self, subject: impl Into<String>) -> Result<Endpoint, Error> {
        let subject = subject.into();
        let name = self.name.unwrap_or_else(|| subject.clone());
        let full = join(&self.group.prefix, &subject);
        if subject.is_empty() {
            return Err(validate::ConfigError::InvalidSubject(full).into());
        }
        self.group
            .service
            .add_endpoint(name, full, self.queue_group, self.metadata)
            .await
    }
}
