//! Commands about the connection itself: forcing a reconnect and measuring the round trip.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use nats_core::conn;

use super::channel::oneshot;
use super::{Client, Error, ErrorKind, DEFAULT_FLUSH_TIMEOUT};
use crate::platform::now;

impl Client {
    /// Drops the current WebSocket and connects again at once (async-nats's
    /// `force_reconnect`), e.g. when the page learns the network changed: what was published
    /// before is handed to the old socket first; subscriptions are made again on the new
    /// connection; publishes and requests given meanwhile wait for it, as in any reconnect
    /// ([`super::ClientEvent::Disconnected`], then [`super::ClientEvent::Reconnected`]). While already
    /// reconnecting it skips the wait before the next attempt. Refused while draining.
    pub async fn force_reconnect(&self) -> Result<(), Error> {
        self.command(|state| {
            state.pump(); // what is queued goes to the old socket
            Ok(state.conn.force_reconnect(now())?)
        })
    }

    /// The round trip to the server: `.await` it for the time from a PING to its PONG
    /// (nats.js `rtt`), event-loop delays included. Fails with [`ErrorKind::TimedOut`] after
    /// [`DEFAULT_FLUSH_TIMEOUT`] (or `.timeout(..)`) without a PONG (a server that is open
    /// but silent), with [`ErrorKind::Disconnected`] while reconnecting or if the connection
    /// is lost before the PONG, and [`ErrorKind::Closed`] once closed.
    pub fn rtt(&self) -> Rtt {
        Rtt {
            client: self.clone(),
            timeout: DEFAULT_FLUSH_TIMEOUT,
        }
    }
}

/// A round-trip measurement being prepared; set `.timeout(..)`, then `.await` it.
#[must_use = "a round-trip measurement does nothing until it is awaited"]
pub struct Rtt {
    client: Client,
    timeout: Duration,
}

impl Rtt {
    /// How long to wait for the server's PONG (default [`DEFAULT_FLUSH_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    async fn send(self) -> Result<Duration, Error> {
        let (tx, rx) = oneshot();
        self.client.command(|state| {
            let id = state.conn.rtt_within(now(), self.timeout)?;
            state.rtts.insert(id, tx);
            Ok(())
        })?;
        match rx.await {
            Ok(Ok(rtt)) => Ok(rtt),
            Ok(Err(conn::RequestFailure::Disconnected)) => Err(Error::new(
                ErrorKind::Disconnected,
                "connection lost before the server answered the round-trip PING",
            )),
            Ok(Err(conn::RequestFailure::TimedOut)) => Err(Error::new(
                ErrorKind::TimedOut,
                format!(
                    "no answer to the round-trip PING within {} ms (is the server reachable?)",
                    // u64, not as_millis()'s u128: formatting a u128 costs wasm size.
                    u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX)
                ),
            )),
            Ok(Err(_)) | Err(_) => Err(Error::closed()),
        }
    }
}

impl IntoFuture for Rtt {
    type Output = Result<Duration, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output>>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
