//! [`Subscriber`]: the messages of one subscription, as a stream.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;

use super::channel::{self, oneshot};
use super::{Client, Error, Message};
use crate::nats::conn;

/// The messages of one subscription, in order. The stream ends when the subscription is
/// drained, unsubscribed, reaches its `unsubscribe_after` limit, is refused by the server
/// ([`Subscriber::error`] then says why) or the connection closes. Dropping it unsubscribes.
///
/// [`Client::drain`] waits until every `Subscriber` has been read to its end or dropped:
/// that is how it knows the application has handled the messages delivered to it.
pub struct Subscriber {
    handle: SubscriberHandle,
    messages: channel::Receiver<conn::Message>,
    /// The stream has returned `None` (and the client was told).
    finished: bool,
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
            finished: false,
        }
    }

    /// Why the subscription ended, if the server refused it: an error of kind
    /// [`super::ErrorKind::PermissionDenied`] naming the subject (and queue group). `None`
    /// while it is live, and when it ended normally.
    pub fn error(&self) -> Option<Error> {
        self.handle.error()
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

    /// Why the subscription ended, if the server refused it (see [`Subscriber::error`]).
    pub fn error(&self) -> Option<Error> {
        self.client
            .shared
            .borrow()
            .subscription_errors
            .get(&self.sid)
            .cloned()
    }

    /// Stops the subscription on the server, waits until every message the server sent before
    /// that has been delivered to the stream, then ends the stream. Resolves `Ok` once the
    /// stream has received its last message, however it ends: also when the subscription
    /// already ended (its `unsubscribe_after` limit, unsubscribed) or is already draining.
    /// Fails with [`super::ErrorKind::PermissionDenied`] if the server refused the
    /// subscription, and with [`super::ErrorKind::Closed`] if the connection closed first.
    pub async fn drain(&self) -> Result<(), Error> {
        let (tx, rx) = oneshot();
        let waiting = self.client.command(|state| {
            if !state.subscriptions.contains_key(&self.sid) {
                // Ended already: nothing more will reach the stream.
                if let Some(error) = state.subscription_errors.get(&self.sid) {
                    return Err(error.clone());
                }
                if state.close_reason.is_some() {
                    return Err(Error::closed());
                }
                return Ok(false);
            }
            match state.conn.drain_subscription(self.sid) {
                // Ended in the core, its event not dispatched yet: that event resolves it.
                Ok(()) | Err(conn::CommandError::UnknownSubscription(_)) => {}
                Err(e) => return Err(e.into()),
            }
            state
                .subscription_drains
                .get_or_insert_default(self.sid)
                .push(tx);
            Ok(true)
        })?;
        if !waiting {
            return Ok(());
        }
        rx.await.unwrap_or_else(|_| Err(Error::closed()))
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
        let next = Pin::new(&mut self.messages).poll_next(cx);
        if let Poll::Ready(None) = next {
            if !self.finished {
                self.finished = true;
                self.handle.client.stream_finished(self.handle.sid);
            }
        }
        next.map(|m| m.map(|inner| Message::new(inner, client)))
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        // Ends it on the server unless it already ended; either outcome is fine here.
        let sid = self.handle.sid;
        let _ = self.handle.client.command(|state| {
            state.subscription_errors.remove(&sid);
            if state.subscriptions.contains_key(&sid) {
                state.conn.unsubscribe(sid, None)?;
            }
            Ok(())
        });
        if !self.finished {
            self.handle.client.stream_finished(sid);
        }
    }
}
