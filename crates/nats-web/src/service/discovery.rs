//! [`Discovery`]: who is there, and how they are doing, over `$SRV.PING|INFO|STATS`.

use std::time::Duration;

use futures::StreamExt;
use nats_core::service::{
    control_subject_with_prefix, read_info, read_ping, read_stats, validate, Info, PingResponse,
    ReadError, Stats, Verb, API_PREFIX,
};

use super::Error;
use crate::client::RequestErrorKind;
use crate::Client;

/// How long discovery waits for replies in all, unless [`Discovery::max_wait`] says otherwise.
pub const DISCOVERY_MAX_WAIT: Duration = Duration::from_secs(1);
/// How long after the last reply discovery stops waiting, unless [`Discovery::stall`] says
/// otherwise.
pub const DISCOVERY_STALL: Duration = Duration::from_millis(300);

/// A discovery client: one request to `$SRV.<VERB>` (or `$SRV.<VERB>.<name>`, or
/// `$SRV.<VERB>.<name>.<id>`) gathers the replies of every service that hears it, with
/// [`Client::request_many`]. Replies that are not the protocol's JSON are skipped; no
/// services is an empty list. A name or id that is not one (`a.b`, `*`, empty) is refused
/// before anything is sent. If the connection fails after some replies came, those replies
/// are the answer; only a failure before any is an error.
#[derive(Clone)]
pub struct Discovery {
    client: Client,
    max_wait: Duration,
    stall: Duration,
    api_prefix: String,
}

impl Discovery {
    /// Discovery on `client`'s connection: replies for at most [`DISCOVERY_MAX_WAIT`], and no
    /// longer than [`DISCOVERY_STALL`] after the last one.
    pub fn new(client: &Client) -> Self {
        Discovery {
            client: client.clone(),
            max_wait: DISCOVERY_MAX_WAIT,
            stall: DISCOVERY_STALL,
            api_prefix: API_PREFIX.to_owned(),
        }
    }

    /// The longest it waits for replies in all.
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// It stops waiting when no reply came for this long after the previous one.
    pub fn stall(mut self, stall: Duration) -> Self {
        self.stall = stall;
        self
    }

    /// Asks under `prefix` in place of [`API_PREFIX`] (`$SRV`): `<prefix>.PING` and so on,
    /// for services started with the same [`crate::service::ServiceBuilder::api_prefix`] or
    /// reached across accounts (nats.js `ServiceClient`'s `prefix`). Used as it is, case
    /// included; a prefix with wildcards, spaces or empty tokens makes every request fail
    /// before anything is sent.
    pub fn api_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.api_prefix = prefix.into();
        self
    }

    /// Pings every service, or those called `name`.
    pub async fn ping(&self, name: Option<&str>) -> Result<Vec<PingResponse>, Error> {
        self.gather(Verb::Ping, name, None, read_ping).await
    }

    /// The info of every service, or of those called `name`.
    pub async fn info(&self, name: Option<&str>) -> Result<Vec<Info>, Error> {
        self.gather(Verb::Info, name, None, read_info).await
    }

    /// The statistics of every service, or of those called `name`.
    pub async fn stats(&self, name: Option<&str>) -> Result<Vec<Stats>, Error> {
        self.gather(Verb::Stats, name, None, read_stats).await
    }

    /// Pings one instance: service `name`, id `id` (nats.js `ping(name, id)`); `None` if it
    /// did not answer.
    pub async fn ping_instance(&self, name: &str, id: &str) -> Result<Option<PingResponse>, Error> {
        Ok(self
            .gather(Verb::Ping, Some(name), Some(id), read_ping)
            .await?
            .pop())
    }

    /// The info of one instance; `None` if it did not answer.
    pub async fn info_instance(&self, name: &str, id: &str) -> Result<Option<Info>, Error> {
        Ok(self
            .gather(Verb::Info, Some(name), Some(id), read_info)
            .await?
            .pop())
    }

    /// The statistics of one instance; `None` if it did not answer.
    pub async fn stats_instance(&self, name: &str, id: &str) -> Result<Option<Stats>, Error> {
        Ok(self
            .gather(Verb::Stats, Some(name), Some(id), read_stats)
            .await?
            .pop())
    }

    async fn gather<T>(
        &self,
        verb: Verb,
        name: Option<&str>,
        id: Option<&str>,
        read: fn(&[u8]) -> Result<T, ReadError>,
    ) -> Result<Vec<T>, Error> {
        validate::api_prefix(&self.api_prefix)?;
        if let Some(name) = name {
            validate::name(name)?;
        }
        if let Some(id) = id {
            validate::id(id)?;
        }
        let mut request = self
            .client
            .request_many(
                control_subject_with_prefix(&self.api_prefix, verb, name, id),
                Vec::new(),
            )
            .max_wait(self.max_wait)
            .stall(self.stall);
        if id.is_some() {
            request = request.max_messages(1);
        }
        let mut replies = request.await?;
        let mut out = Vec::new();
        while let Some(reply) = replies.next().await {
            match reply {
                Ok(message) => {
                    if let Ok(value) = read(&message.payload) {
                        out.push(value);
                    }
                }
                Err(e) if e.kind() == RequestErrorKind::NoResponders => {}
                // What came before a failure is still the answer.
                Err(_) if !out.is_empty() => break,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(out)
    }
}
