//! Commands about the connection itself: forcing a reconnect and measuring the round trip.

use std::time::Duration;

use nats_core::conn;

use super::channel::oneshot;
use super::{Client, Error, ErrorKind};
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

    /// The round trip to the server: the time from a PING to its PONG (nats.js `rtt`),
    /// event-loop delays included. Fails with [`ErrorKind::Disconnected`] while reconnecting
    /// or if the connection is lost before the PONG, and [`ErrorKind::Closed`] once closed.
    pub async fn rtt(&self) -> Result<Duration, Error> {
        let (tx, rx) = oneshot();
        self.command(|state| {
            let id = state.conn.rtt(now())?;
            state.rtts.insert(id, tx);
            Ok(())
        })?;
        match rx.await {
            Ok(Ok(rtt)) => Ok(rtt),
            Ok(Err(conn::RequestFailure::Disconnected)) => Err(Error::new(
                ErrorKind::Disconnected,
                "connection lost before the server answered the round-trip PING",
            )),
            Ok(Err(_)) | Err(_) => Err(Error::closed()),
        }
    }
}
