//! [`Discovery`]: who is there, and how they are doing, over `$SRV.PING|INFO|STATS`.

use std::time::Duration;

use futures::StreamExt;
use nats_core::service::{
    control_subject, read_info, read_ping, read_stats, Info, PingResponse, ReadError, Stats, Verb,
};

use super::Error;
use crate::client::RequestErrorKind;
use crate::Client;

/// How long discovery waits for replies in all, unless [`Discovery::max_wait`] says otherwise.
pub const DISCOVERY_MAX_WAIT: Duration = Duration::from_secs(1);
/// How long after the last reply discovery stops waiting, unless [`Discovery::stall`] says
/// otherwise.
pub const DISCOVERY_STALL: Duration = Duration::from_millis(300);

/// A discovery client: one request to `$SRV.<VERB>` (or `$SRV.<VERB>.<name>`) gathers the
/// replies of every service that hears it, with [`Client::request_many`]. Replies that are
/// not the protocol's JSON are skipped; no services is an empty list.
#[derive(Clone)]
pub struct Discovery {
    client: Client,
    max_wait: Duration,
    stall: Duration,
}

impl Discovery {
    /// Discovery on `client`'s connection: replies for at most [`DISCOVERY_MAX_WAIT`], and no
    /// longer than [`DISCOVERY_STALL`] after the last one.
    pub fn new(client: &Client) -> Self {
        Discovery {
            client: client.clone(),
            max_wait: DISCOVERY_MAX_WAIT,
            stall: DISCOVERY_STALL,
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

    /// Pings every service, or those called `name`.
    pub async fn ping(&self, name: Option<&str>) -> Result<Vec<PingResponse>, Error> {
        self.gather(Verb::Ping, name, read_ping).await
    }

    /// The info of every service, or of those called `name`.
    pub async fn info(&self, name: Option<&str>) -> Result<Vec<Info>, Error> {
        self.gather(Verb::Info, name, read_info).await
    }

    /// The statistics of every service, or of those called `name`.
    pub async fn stats(&self, name: Option<&str>) -> Result<Vec<Stats>, Error> {
        self.gather(Verb::Stats, name, read_stats).await
    }

    async fn gather<T>(
        &self,
        verb: Verb,
        name: Option<&str>,
        read: fn(&[u8]) -> Result<T, ReadError>,
    ) -> Result<Vec<T>, Error> {
        let mut replies = self
            .client
            .request_many(control_subject(verb, name, None), Vec::new())
            .max_wait(self.max_wait)
            .stall(self.stall)
            .await?;
        let mut out = Vec::new();
        while let Some(reply) = replies.next().await {
            match reply {
                Ok(message) => {
                    if let Ok(value) = read(&message.payload) {
                        out.push(value);
                    }
                }
                Err(e) if e.kind() == RequestErrorKind::NoResponders => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(out)
    }
}
