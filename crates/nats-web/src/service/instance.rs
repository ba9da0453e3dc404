//! [`Service`]: one running instance, its endpoints and groups, and the task that answers its
//! discovery subjects.

use std::cell::RefCell;
use std::rc::Rc;

use nats_core::service::{
    control_subject_with_prefix, rfc3339, validate, write_info, write_ping, write_stats,
    EndpointInfo, EndpointStats, Info, Metadata, PingResponse, Stats, Verb,
};

use super::endpoint::Endpoint;
use super::group::{EndpointBuilder, Group};
use super::lifecycle::{drain_all, fail, finish, handles, Life};
use super::Error;
use crate::client::channel::{oneshot, OneshotSender};
use crate::client::SubscriberHandle;
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
    pub stats_handler: Option<StatsHandler>,
    /// The discovery prefix, `$SRV` unless the builder was given another.
    pub api_prefix: String,
}

/// [`super::ServiceBuilder::stats_handler`]'s function.
pub(crate) type StatsHandler = Rc<dyn Fn(&EndpointStats) -> String>;

/// One endpoint as the service keeps it.
pub(crate) struct EndpointEntry {
    pub stats: EndpointStats,
    pub metadata: Metadata,
    pub handle: SubscriberHandle,
}

/// A service's state, shared by the [`Service`] handles, its endpoints' requests and its
/// discovery task.
pub(crate) struct State {
    config: Config,
    /// Unix time in nanoseconds of the start or of the last reset.
    started: u64,
    pub endpoints: Vec<EndpointEntry>,
    pub verbs: Vec<SubscriberHandle>,
    /// [`Service::stop`] was called, or the service stopped on its own.
    pub stopped: bool,
    /// Why it stopped on its own (the connection closed, a subscription was refused).
    pub error: Option<Error>,
    /// How it ended, once it has: `Ok` after [`Service::stop`].
    pub outcome: Option<Result<(), Error>>,
    /// [`Service::closed`] calls waiting for `outcome`.
    pub waiters: Vec<OneshotSender<Result<(), Error>>>,
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
}

/// The statistics with each endpoint's custom `data`, the handler called with the state
/// released (it may use the service).
fn stats_of(state: &RefCell<State>) -> Stats {
    let (mut stats, handler) = {
        let state = state.borrow();
        (state.stats(), state.config.stats_handler.clone())
    };
    if let Some(handler) = handler {
        for endpoint in &mut stats.endpoints {
            endpoint.data = Some(handler(endpoint));
        }
    }
    stats
}

/// The JSON reply to a discovery request.
pub(crate) fn reply_json(state: &RefCell<State>, verb: Verb) -> Vec<u8> {
    let mut out = Vec::new();
    match verb {
        Verb::Ping => write_ping(&state.borrow().ping(), &mut out),
        Verb::Info => write_info(&state.borrow().info(), &mut out),
        Verb::Stats => write_stats(&stats_of(state), &mut out),
    }
    out
}

/// Now, as Unix time in nanoseconds (`Date.now()`).
fn unix_nanos() -> u64 {
    u64::try_from(crate::platform::wall_clock().as_nanos()).unwrap_or(u64::MAX)
}

/// A running service: a cheap handle (clones are the same service). Add endpoints with
/// [`Service::endpoint`], [`Service::endpoint_builder`] or [`Service::group`].
///
/// It answers discovery until [`Service::stop`], until the connection closes or the server
/// refuses one of its subscriptions ([`Service::closed`] then says why), or until the
/// application has dropped every `Service` handle and every [`Endpoint`] of it: then it
/// stops (without draining) and no longer keeps the connection open, so a page that drops
/// its `Client`, `Service` and endpoints closes its WebSocket. Keep an `Endpoint` (or the
/// `Service`) for as long as the service should run.
#[derive(Clone)]
pub struct Service {
    client: Client,
    state: Rc<RefCell<State>>,
    life: Rc<Life>,
}

impl Service {
    /// Subscribes to the discovery subjects, waits until the server has them (a flush), and
    /// starts the task that answers them.
    pub(crate) async fn start(client: Client, config: Config) -> Result<Service, Error> {
        // Before subscribing: a refusal of those subscriptions is among these events.
        let events = client.watch(super::task::wanted, super::task::WATCH_LIMIT);
        let mut subscribers = Vec::new();
        for verb in Verb::ALL {
            let prefix = config.api_prefix.as_str();
            for subject in [
                control_subject_with_prefix(prefix, verb, None, None),
                control_subject_with_prefix(prefix, verb, Some(&config.name), None),
                control_subject_with_prefix(prefix, verb, Some(&config.name), Some(&config.id)),
            ] {
                // On an error, dropping the ones made unsubscribes them.
                subscribers.push((verb, client.subscribe_inner(&subject, None, None)?));
            }
        }
        let state = Rc::new(RefCell::new(State {
            config,
            started: unix_nanos(),
            endpoints: Vec::new(),
            verbs: subscribers.iter().map(|(_, s)| s.handle()).collect(),
            stopped: false,
            error: None,
            outcome: None,
            waiters: Vec::new(),
        }));
        client.flush().await?;
        if let Some(error) = subscribers.iter().find_map(|(_, s)| s.error()) {
            // Dropping the subscribers unsubscribes the others.
            return Err(error.into());
        }
        super::task::spawn(client.clone(), state.clone(), subscribers, events);
        let life = Rc::new(Life(state.clone()));
        Ok(Service {
            client,
            state,
            life,
        })
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
        stats_of(&self.state)
    }

    /// Sets every endpoint's statistics back to zero, and `started` to now.
    pub fn reset(&self) {
        let mut state = self.state.borrow_mut();
        state.started = unix_nanos();
        for e in &mut state.endpoints {
            e.stats.reset();
        }
    }

    /// Whether it stopped: [`Service::stop`] was called, or it stopped on its own
    /// ([`Service::error`]).
    pub fn stopped(&self) -> bool {
        self.state.borrow().stopped
    }

    /// Why it stopped on its own: the connection closed (kind
    /// [`crate::client::ErrorKind::Closed`]) or the server refused one of its subscriptions
    /// (kind [`crate::client::ErrorKind::PermissionDenied`]). A refusal while an endpoint
    /// was running (after a reconnect, say) is also counted in that endpoint's `num_errors`
    /// and `last_error`; a refusal when the endpoint is added fails that add instead, and the
    /// endpoint is never advertised. `None` while it runs and after [`Service::stop`].
    pub fn error(&self) -> Option<Error> {
        self.state.borrow().error.clone()
    }

    /// Resolves when the service has stopped (nats.js `stopped`, ADR-32's "notify when the
    /// service has stopped"): `Ok(())` once [`Service::stop`] has drained it, `Err` with
    /// [`Service::error`] when it stopped on its own.
    pub async fn closed(&self) -> Result<(), Error> {
        let rx = {
            let mut state = self.state.borrow_mut();
            if let Some(outcome) = &state.outcome {
                return outcome.clone();
            }
            let (tx, rx) = oneshot();
            state.waiters.push(tx);
            rx
        };
        rx.await.unwrap_or(Ok(()))
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
        Group::new(self.clone(), prefix.into(), queue_group)
    }

    /// Drains every subscription of the service, its endpoints' and its discovery subjects':
    /// requests the server sent before still reach the endpoints' streams, then the streams
    /// end, and the service no longer answers discovery. Resolves when all have drained
    /// ([`Service::closed`] then resolves `Ok`). The drain runs on its own: if this future
    /// is dropped before it resolves, the service still drains and `closed` still resolves.
    pub async fn stop(&self) -> Result<(), Error> {
        let handles = {
            let mut state = self.state.borrow_mut();
            state.stopped = true;
            handles(&state)
        };
        let (tx, rx) = oneshot();
        let state = self.state.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let result = drain_all(&handles).await;
            finish(&state, Ok(()));
            tx.send(result);
        });
        rx.await.unwrap_or(Ok(()))
    }

    /// Subscribes an endpoint and waits until the server has the subscription (a flush). A
    /// refusal fails the call and stops the service with it (as nats.go and nats.js stop a
    /// service whose endpoint subscription was refused).
    pub(crate) async fn add_endpoint(
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
        let subscriber = self
            .client
            .subscribe_inner(&subject, queue_group.as_deref(), None)?;
        let sid = subscriber.handle().sid();
        {
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
        }
        let endpoint = Endpoint::new(
            subscriber,
            self.state.clone(),
            self.life.clone(),
            sid,
            name,
            subject,
        );
        self.client.flush().await?;
        if let Some(error) = endpoint.handle().error() {
            let error = Error::from(error);
            fail(&self.state, error.clone());
            return Err(error);
        }
        Ok(endpoint)
    }
}
