//! [`Service`]: one running instance, its endpoints and groups, and the task that answers its
//! discovery subjects.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures::{Stream, StreamExt};
use nats_core::service::{
    control_subject, rfc3339, validate, write_info, write_ping, write_stats, EndpointInfo,
    EndpointStats, Info, Metadata, PingResponse, Stats, Verb,
};

use super::endpoint::Endpoint;
use super::group::{EndpointBuilder, Group};
use super::Error;
use crate::client::{Subscriber, SubscriberHandle};
use crate::{Client, Message};

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
}

/// [`super::ServiceBuilder::stats_handler`]'s function.
pub(crate) type StatsHandler = Rc<dyn Fn(&EndpointStats) -> String>;

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
fn reply_json(state: &RefCell<State>, verb: Verb) -> Vec<u8> {
    let mut out = Vec::new();
    match verb {
        Verb::Ping => write_ping(&state.borrow().ping(), &mut out),
        Verb::Info => write_info(&state.borrow().info(), &mut out),
        Verb::Stats => write_stats(&stats_of(state), &mut out),
    }
    out
}

/// The discovery subscriptions as one stream: polled in turn, each ending on its own; the
/// stream ends when all have (a few lines where `select_all` would cost kilobytes).
struct Merged(Vec<(Verb, Subscriber)>);

impl Stream for Merged {
    type Item = (Verb, Message);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut i = 0;
        while let Some((verb, subscriber)) = self.0.get_mut(i) {
            match Pin::new(subscriber).poll_next(cx) {
                Poll::Ready(Some(message)) => return Poll::Ready(Some((*verb, message))),
                Poll::Ready(None) => {
                    self.0.remove(i);
                }
                Poll::Pending => i += 1,
            }
        }
        if self.0.is_empty() {
            Poll::Ready(None)
        } else {
            Poll::Pending
        }
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
    pub(crate) fn start(client: Client, config: Config) -> Result<Service, Error> {
        let mut subscribers = Vec::new();
        for verb in Verb::ALL {
            for subject in [
                control_subject(verb, None, None),
                control_subject(verb, Some(&config.name), None),
                control_subject(verb, Some(&config.name), Some(&config.id)),
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
        }));
        let task_state = state.clone();
        let task_client = client.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let mut requests = Merged(subscribers);
            while let Some((verb, message)) = requests.next().await {
                let Some(reply) = message.reply.as_deref() else {
                    continue;
                };
                let json = reply_json(&task_state, verb);
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
        Group::new(self.clone(), prefix.into(), queue_group)
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
        // All at once (a round trip, not one per subscription), the first error reported.
        let mut drains: Vec<_> = handles.iter().map(|h| Some(Box::pin(h.drain()))).collect();
        let mut result = Ok(());
        futures::future::poll_fn(|cx| {
            let mut pending = false;
            for slot in &mut drains {
                if let Some(drain) = slot {
                    match drain.as_mut().poll(cx) {
                        Poll::Ready(done) => {
                            if let Err(e) = done {
                                result = result.clone().and(Err(e));
                            }
                            *slot = None;
                        }
                        Poll::Pending => pending = true,
                    }
                }
            }
            if pending {
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })
        .await;
        Ok(result?)
    }

    pub(crate) fn add_endpoint(
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
