//! [`Service`]: one running instance, its endpoints and groups, and the task that answers its
//! discovery subjects.

use std::cell::RefCell;
use std::rc::Rc;

use futures::StreamExt;
use nats_core::service::{
    control_subject, rfc3339, validate, write_info, write_ping, write_stats, EndpointInfo,
    EndpointStats, Info, Metadata, PingResponse, Stats, Verb,
};

use super::endpoint::Endpoint;
use super::Error;
use crate::client::{SubscribeOptions, SubscriberHandle};
use crate::Client;

/// What a service was started with.
pub(crate) struct Config {
    pub name: String,
    pub id: String,
    pub version: String,
    pub description: String,
    pub metadata: Metadata,
    /// `None`: endpoints subscribe without a queue group.
    pub queue_group: Option<String>,
}

/// One endpoint as the service keeps it.
pub(crate) struct EndpointEntry {
    pub stats: EndpointStats,
    pub metadata: Metadata,
    handle: SubscriberHandle,
}

/// A service's state, shared by the [`Service`] handles, its endpoints' requests and its
/// discovery task.
pub(crate) struct State {
    config: Config,
    /// Unix time in nanoseconds of the start or of the last reset.
    started: u64,
    pub endpoints: Vec<EndpointEntry>,
    verbs: Vec<SubscriberHandle>,
    stopped: bool,
}

impl State {
    fn ping(&self) -> PingResponse {
        PingResponse {
            name: self.config.name.clone(),
            id: self.config.id.clone(),
            version: self.config.version.clone(),
            metadata: self.config.metadata.clone(),
        }
    }

    fn info(&self) -> Info {
        Info {
            name: self.config.name.clone(),
            id: self.config.id.clone(),
            version: self.config.version.clone(),
            metadata: self.config.metadata.clone(),
            description: self.config.description.clone(),
            endpoints: self
                .endpoints
                .iter()
                .map(|e| EndpointInfo {
                    name: e.stats.name.clone(),
                    subject: e.stats.subject.clone(),
                    queue_group: e.stats.queue_group.clone(),
                    metadata: e.metadata.clone(),
                })
                .collect(),
        }
    }

    fn stats(&self) -> Stats {
        Stats {
            name: self.config.name.clone(),
            id: self.config.id.clone(),
            version: self.config.version.clone(),
            metadata: self.config.metadata.clone(),
            started: rfc3339(self.started),
            endpoints: self.endpoints.iter().map(|e| e.stats.clone()).collect(),
        }
    }

    /// The JSON reply to a discovery request.
    fn reply(&self, verb: Verb) -> Vec<u8> {
        let mut out = Vec::new();
        match verb {
            Verb::Ping => write_ping(&self.ping(), &mut out),
            Verb::Info => write_info(&self.info(), &mut out),
            Verb::Stats => write_stats(&self.stats(), &mut out),
        }
        out
    }
}

/// Now, as Unix time in nanoseconds (`Date.now()`).
fn unix_nanos() -> u64 {
    u64::try_from(crate::platform::wall_clock().as_nanos()).unwrap_or(u64::MAX)
}

/// A running service: a cheap handle (clones are the same service). Add endpoints with
/// [`Service::endpoint`], [`Service::endpoint_builder`] or [`Service::group`]; it answers
/// discovery until [`Service::stop`] (or until the connection closes).
#[derive(Clone)]
pub struct Service {
    client: Client,
    state: Rc<RefCell<State>>,
}

impl Service {
    /// Subscribes to the discovery subjects and starts the task that answers them.
    pub(crate) async fn start(client: Client, config: Config) -> Result<Service, Error> {
        let mut subscribers = Vec::new();
        for verb in Verb::ALL {
            for subject in [
                control_subject(verb, None, None),
                control_subject(verb, Some(&config.name), None),
                control_subject(verb, Some(&config.name), Some(&config.id)),
            ] {
                // On an error, dropping the ones made unsubscribes them.
                subscribers.push((verb, client.subscribe(&subject).await?));
            }
        }
        let state = Rc::new(RefCell::new(State {
            config,
            started: unix_nanos(),
            endpoints: Vec::new(),
            verbs: subscribers.iter().map(|(_, s)| s.handle()).collect(),
            stopped: false,
        }));
        let requests = futures::stream::select_all(
            subscribers
                .into_iter()
                .map(|(verb, subscriber)| subscriber.map(move |message| (verb, message))),
        );
        let task_state = state.clone();
        let task_client = client.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let mut requests = requests;
            while let Some((verb, message)) = requests.next().await {
                let Some(reply) = message.reply.as_deref() else {
                    continue;
                };
                let json = task_state.borrow().reply(verb);
                // A reply that cannot be sent (closed, buffer full) is the requester's loss.
                let _ = task_client.publish(reply, json).await;
            }
        });
        Ok(Service { client, state })
    }

    /// This instance's id: a NUID, as `$SRV.<VERB>.<name>.<id>` addresses it.
    pub fn id(&self) -> String {
        self.state.borrow().config.id.clone()
    }

    /// The service's name.
    pub fn name(&self) -> String {
        self.state.borrow().config.name.clone()
    }

    /// What `$SRV.INFO` answers now: the configuration and every endpoint.
    pub fn info(&self) -> Info {
        self.state.borrow().info()
    }

    /// What `$SRV.STATS` answers now.
    pub fn stats(&self) -> Stats {
        self.state.borrow().stats()
    }

    /// Sets every endpoint's statistics back to zero, and `started` to now.
    pub fn reset(&self) {
        let mut state = self.state.borrow_mut();
        state.started = unix_nanos();
        for e in &mut state.endpoints {
            e.stats.reset();
        }
    }

    /// Whether [`Service::stop`] was called.
    pub fn stopped(&self) -> bool {
        self.state.borrow().stopped
    }

    /// Adds endpoint `name` on `subject`, in the service's queue group.
    pub async fn endpoint(
        &self,
        name: impl Into<String>,
        subject: impl Into<String>,
    ) -> Result<Endpoint, Error> {
        self.endpoint_builder().name(name).add(subject).await
    }

    /// An endpoint with metadata or its own queue group.
    pub fn endpoint_builder(&self) -> EndpointBuilder {
        self.group("").endpoint_builder()
    }

    /// A group: endpoints added to it subscribe to `<prefix>.<subject>` (an empty prefix adds
    /// none).
    pub fn group(&self, prefix: impl Into<String>) -> Group {
        let queue_group = self.state.borrow().config.queue_group.clone();
        Group {
            service: self.clone(),
            prefix: prefix.into(),
            queue_group,
        }
    }

    /// Drains every subscription of the service, its endpoints' and its discovery subjects':
    /// requests the server sent before still reach the endpoints' streams, then the streams
    /// end, and the service no longer answers discovery. Resolves when all have drained.
    pub async fn stop(&self) -> Result<(), Error> {
        let handles: Vec<SubscriberHandle> = {
            let mut state = self.state.borrow_mut();
            state.stopped = true;
            let endpoints = state.endpoints.iter().map(|e| e.handle.clone());
            endpoints.chain(state.verbs.iter().cloned()).collect()
        };
        let drained = futures::future::join_all(handles.iter().map(SubscriberHandle::drain)).await;
        drained.into_iter().collect::<Result<Vec<()>, _>>()?;
        Ok(())
    }

    async fn add_endpoint(
        &self,
        name: String,
        subject: String,
        queue_group: Option<String>,
        metadata: Metadata,
    ) -> Result<Endpoint, Error> {
        validate::endpoint_name(&name)?;
        validate::endpoint_subject(&subject)?;
        if let Some(queue) = &queue_group {
            validate::queue_group(queue)?;
        }
        if self.stopped() {
            return Err(Error::Stopped);
        }
        let mut options = SubscribeOptions::new();
        if let Some(queue) = &queue_group {
            options = options.queue(queue.clone());
        }
        let subscriber = self.client.subscribe_with(&subject, options).await?;
        let index = {
            let mut state = self.state.borrow_mut();
            state.endpoints.push(EndpointEntry {
                stats: EndpointStats::new(
                    name.clone(),
                    subject.clone(),
                    queue_group.unwrap_or_default(),
                ),
                metadata,
                handle: subscriber.handle(),
            });
            state.endpoints.len() - 1
        };
        Ok(Endpoint::new(
            subscriber,
            self.state.clone(),
            index,
            name,
            subject,
        ))
    }
}

/// A prefix for endpoint subjects, with its own default queue group (ADR-32 groups); from
/// [`Service::group`] or [`Group::group`].
#[derive(Clone)]
pub struct Group {
    service: Service,
    prefix: String,
    queue_group: Option<String>,
}

impl Group {
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
        self.metadata = metadata
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
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

    /// Checks name, subject and queue group, and subscribes on `<group prefix>.<subject>`.
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
