//! [`ServiceBuilder`]: a service's name, version, description, metadata and queue group,
//! checked and started.

use nats_core::proto::Nuid;
use nats_core::service::{validate, Metadata, API_PREFIX, DEFAULT_QUEUE_GROUP};
use nats_core::Random;

use std::rc::Rc;

use nats_core::service::EndpointStats;

use super::instance::{Service, StatsHandler};
use super::Error;
use crate::Client;

impl Client {
    /// A service on this connection (ADR-32): set `.name(..)` and `.version(..)` (and
    /// optionally the rest), then `.start().await` it.
    pub fn service_builder(&self) -> ServiceBuilder {
        ServiceBuilder {
            client: self.clone(),
            name: None,
            version: None,
            description: String::new(),
            metadata: Metadata::new(),
            queue_group: Some(DEFAULT_QUEUE_GROUP.to_owned()),
            stats_handler: None,
            api_prefix: API_PREFIX.to_owned(),
        }
    }
}

/// A service being configured; from [`Client::service_builder`].
#[must_use = "a service does nothing until it is started"]
pub struct ServiceBuilder {
    client: Client,
    name: Option<String>,
    version: Option<String>,
    description: String,
    metadata: Metadata,
    queue_group: Option<String>,
    stats_handler: Option<StatsHandler>,
    api_prefix: String,
}

impl ServiceBuilder {
    /// The service's name, its kind: shared by every instance of it; `A-Z a-z 0-9 - _` only.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Its version, SemVer (`1.0.0`).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// What it is for, for people who discover it.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Free-form metadata about this instance (a `HashMap<String, String>` or any pairs);
    /// fixed once started.
    pub fn metadata<K: Into<String>, V: Into<String>>(
        mut self,
        metadata: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.metadata = metadata.into_iter().collect();
        self
    }

    /// The queue group its endpoints subscribe in unless a group or endpoint says otherwise
    /// (default [`DEFAULT_QUEUE_GROUP`], `q`).
    pub fn queue_group(mut self, queue_group: impl Into<String>) -> Self {
        self.queue_group = Some(queue_group.into());
        self
    }

    /// Its endpoints subscribe without a queue group (unless a group or endpoint sets one):
    /// every instance then gets every request.
    pub fn no_queue_group(mut self) -> Self {
        self.queue_group = None;
        self
    }

    /// Custom statistics: `handler` is given each endpoint's statistics when `STATS` is
    /// answered (or [`Service::stats`] called) and returns one JSON value, sent as that
    /// endpoint's `data` (anything that is not exactly one JSON value is sent as `null`).
    pub fn stats_handler(mut self, handler: impl Fn(&EndpointStats) -> String + 'static) -> Self {
        self.stats_handler = Some(Rc::new(handler));
        self
    }

    /// The prefix of its discovery subjects in place of [`API_PREFIX`] (`$SRV`): it then
    /// answers `<prefix>.PING`, `<prefix>.INFO` and `<prefix>.STATS` (bare, `.<name>`,
    /// `.<name>.<id>`) and not `$SRV.…`. ADR-32 has it overridable as `$JS` is, for tools
    /// that reach services across accounts (an account that imports `$SRV.>` under another
    /// prefix). Used as it is, case included; a subject without wildcards, spaces or empty
    /// tokens, checked by `start`.
    pub fn api_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.api_prefix = prefix.into();
        self
    }

    /// Checks the configuration (name, version, queue group as ADR-32 says, API prefix), gives the
    /// service its id (a NUID), subscribes to its nine discovery subjects and resolves once
    /// the server has them (a flush): anyone discovering after that finds it. Nothing is sent
    /// if a check fails; a refused subscription or a flush that fails (closed, or no answer
    /// within the flush timeout while reconnecting) fails the start.
    pub async fn start(self) -> Result<Service, Error> {
        let name = self.name.ok_or(Error::Missing("name"))?;
        let version = self.version.ok_or(Error::Missing("version"))?;
        validate::name(&name)?;
        validate::version(&version)?;
        validate::api_prefix(&self.api_prefix)?;
        if let Some(queue) = &self.queue_group {
            validate::queue_group(queue)?;
        }
        let id = Nuid::new(Random::from_seed(crate::platform::random_seed())).next();
        Service::start(
            self.client,
            super::instance::Config {
                name,
                id,
                version,
                description: self.description,
                metadata: self.metadata,
                queue_group: self.queue_group,
                stats_handler: self.stats_handler,
                api_prefix: self.api_prefix,
            },
        )
        .await
    }
}
