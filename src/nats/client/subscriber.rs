//! [`Subscriber`]: the messages of one subscription, as a stream.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;

use super::channel::{self, oneshot};
use super::{Client, Error, Message};
use crate::nats::conn;

/// The messages of one subscription, in order. The stream ends when the subscription is
/// drained, unsubscribed or the connection closes. Dropping it unsubscribes.
pub struct Subscriber {
    handle: SubscriberHandle,
    messages: channel::Receiver<conn::Message>,
}

/// Controls a subscription while its [`Subscriber`] is being read elsewhere (for example by a
/// responder task).
#[derive(Clone)]
pub struct SubscriberHandle {
    sid: u64,
    client: Client,
}

impl Subscriber {
    pub(crate) fn new(
        sid: u64,
        client: Client,
        messages: channel::Receiver<conn::Message>,
    ) -> Self {
        Subscriber {
            handle: SubscriberHandle { sid, client },
            messages,
        }
    }

    /// A handle to drain or unsubscribe this subscription from elsewhere.
    pub fn handle(&self) -> SubscriberHandle {
        self.handle.clone()
    }

    /// See [`SubscriberHandle::drain`].
    pub async fn drain(&self) -> Result<(), Error> {
        self.handle.drain().await
    }

    /// See [`SubscriberHandle::unsubscribe`].
    pub fn unsubscribe(&self) -> Result<(), Error> {
        self.handle.unsubscribe()
    }
}

impl SubscriberHandle {
    /// The subscription id on the wire.
    pub fn sid(&self) -> u64 {
        self.sid
    }

    /// Stops the subscription on the server, waits until every message the server sent before
    /// that has been delivered to the stream, then ends the stream.
    pub async fn drain(&self) -> Result<(), Error> {
        let (tx, rx) = oneshot();
        self.client.command(|state| {
            state.conn.drain_subscription(self.sid)?;
            state
                .subscription_drains
                .get_or_insert_default(self.sid)
                .push(tx);
            Ok(())
        })?;
        rx.await.map_err(|_| Error::closed())
    }

    /// Stops the subscription now; messages already on their way are dropped.
    pub fn unsubscribe(&self) -> Result<(), Error> {
        self.client
            .command(|state| Ok(state.conn.unsubscribe(self.sid, None)?))
    }

    /// Ends the subscription after it has delivered `max` messages in total.
    pub fn unsubscribe_after(&self, max: u64) -> Result<(), Error> {
        self.client
            .command(|state| Ok(state.conn.unsubscribe(self.sid, Some(max))?))
    }
}

impl Stream for Subscriber {
    type Item = Message;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        let client = self.handle.client.clone();
        Pin::new(&mut self.messages)
            .poll_next(cx)
            .map(|m| m.map(|inner| Message::new(inner, client)))
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        // Ends it on the server unless it already ended; either outcome is fine here.
        let _ = self.handle.client.command(|state| {
            if state.subscriptions.contains_key(&self.handle.sid) {
                state.conn.unsubscribe(self.handle.sid, None)?;
            }
            Ok(())
        });
    }
}
