//! [`Subscriber`]: the messages of one subscription, as a stream, with pending limits: a
//! subscriber that reads slower than messages arrive holds at most its limits, and what came
//! past them is dropped, counted and reported (see [`PendingLimits`]).

use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures::Stream;

use super::channel::{self, oneshot};
use super::{Client, Error, Message};
use nats_core::conn;
use nats_core::proto::HeaderMap;

/// How much a subscription holds for a reader that has not taken it yet. Past either limit a
/// new message is dropped, [`Subscriber::dropped`] counts it, and the client reports
/// [`super::ClientEvent::SlowConsumer`] once per episode (until a message fits again).
/// A message that arrives while nothing is pending is always kept, however large.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingLimits {
    /// Messages pending at most.
    pub messages: usize,
    /// Bytes (subject, reply, headers and payload) pending at most.
    pub bytes: usize,
}

/// How to subscribe: a queue group and pending limits. Without limits, the client's default
/// ([`crate::ConnectOptions::subscription_capacity`] and `subscription_pending_bytes`) applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscribeOptions {
    pub(crate) queue: Option<String>,
    pub(crate) pending_limits: Option<PendingLimits>,
}

impl SubscribeOptions {
    /// No queue group, the client's default pending limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// Subscribes as a member of `queue`: each message goes to one member.
    pub fn queue(mut self, queue: impl Into<String>) -> Self {
        self.queue = Some(queue.into());
        self
    }

    /// Holds at most `messages` messages and `bytes` bytes unread; past them, messages are
    /// dropped, counted ([`Subscriber::dropped`]) and reported ([`super::ClientEvent::SlowConsumer`]).
    pub fn pending_limits(mut self, messages: usize, bytes: usize) -> Self {
        self.pending_limits = Some(PendingLimits { messages, bytes });
        self
    }
}

/// What a subscription holds unread, what it dropped, and its limits; shared by the
/// connection (which adds) and the [`Subscriber`] (which takes).
#[derive(Debug)]
pub(crate) struct Pending {
    limits: PendingLimits,
    messages: Cell<usize>,
    bytes: Cell<usize>,
    dropped: Cell<u64>,
    /// In a slow-consumer episode: reported once, until a message fits again.
    slow: Cell<bool>,
}

/// What became of a message offered to a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Offered {
    /// Queued for the reader (or the reader is gone).
    Kept,
    /// Dropped past the limits, within an episode already reported.
    Dropped,
    /// Dropped past the limits: a new slow-consumer episode, with the drops so far.
    SlowConsumer {
        /// Messages dropped since the subscription started.
        dropped: u64,
    },
}

impl Pending {
    pub fn new(limits: PendingLimits) -> Self {
        Pending {
            limits,
            messages: Cell::new(0),
            bytes: Cell::new(0),
            dropped: Cell::new(0),
            slow: Cell::new(false),
        }
    }

    /// Whether `message` fits; if so it is counted as pending, if not as dropped.
    fn admit(&self, message: &conn::Message) -> Offered {
        let size = weight(message);
        let (messages, bytes) = (self.messages.get(), self.bytes.get());
        let fits = messages == 0
            || (messages < self.limits.messages && bytes.saturating_add(size) <= self.limits.bytes);
        if fits {
            self.messages.set(messages + 1);
            self.bytes.set(bytes.saturating_add(size));
            self.slow.set(false);
            return Offered::Kept;
        }
        self.dropped.set(self.dropped.get() + 1);
        if self.slow.replace(true) {
            Offered::Dropped
        } else {
            Offered::SlowConsumer {
                dropped: self.dropped.get(),
            }
        }
    }

    /// Messages pending.
    pub(crate) fn messages(&self) -> usize {
        self.messages.get()
    }

    /// Messages dropped past the limits so far.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.get()
    }

    /// `message` was taken by the reader.
    pub(crate) fn taken(&self, message: &conn::Message) {
        self.messages.set(self.messages.get().saturating_sub(1));
        self.bytes
            .set(self.bytes.get().saturating_sub(weight(message)));
    }
}

/// The bytes a message holds, as counted against [`PendingLimits::bytes`]: the header block
/// is held twice, as received and as read.
fn weight(message: &conn::Message) -> usize {
    message.subject.len()
        + message.reply.as_ref().map_or(0, String::len)
        + message.raw_headers.as_ref().map_or(0, Vec::len)
        + message.headers.as_ref().map_or(0, HeaderMap::encoded_len)
        + message.payload.len()
}

/// The connection's end of one subscription: where its messages go, within its limits.
pub(crate) struct Inbound {
    tx: channel::Sender<conn::Message>,
    pending: Rc<Pending>,
}

impl Inbound {
    /// Queues `message` for the reader if it fits the limits; says what became of it.
    pub fn offer(&self, message: conn::Message) -> Offered {
        let offered = self.pending.admit(&message);
        if offered == Offered::Kept {
            if let Err(message) = self.tx.send(message) {
                // The reader is gone (its unsubscribe is on its way): nothing is pending.
                self.pending.taken(&message);
            }
        }
        offered
    }
}

/// A subscription's two ends: the connection's [`Inbound`] and the stream's receiver.
pub(crate) fn inbound(
    limits: PendingLimits,
) -> (Inbound, channel::Receiver<conn::Message>, Rc<Pending>) {
    let (tx, rx) = channel::unbounded();
    let pending = Rc::new(Pending::new(limits));
    (
        Inbound {
            tx,
            pending: pending.clone(),
        },
        rx,
        pending,
    )
}

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
    pending: Rc<Pending>,
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
        pending: Rc<Pending>,
    ) -> Self {
        Subscriber {
            handle: SubscriberHandle { sid, client },
            messages,
            finished: false,
            pending,
        }
    }

    /// Why the subscription ended, if the server refused it: an error of kind
    /// [`super::ErrorKind::PermissionDenied`] naming the subject (and queue group). `None`
    /// while it is live, and when it ended normally.
    pub fn error(&self) -> Option<Error> {
        self.handle.error()
    }

    /// Messages received and not yet taken from this stream.
    pub fn pending_messages(&self) -> usize {
        self.pending.messages.get()
    }

    /// Bytes of the messages received and not yet taken (as [`PendingLimits::bytes`] counts).
    pub fn pending_bytes(&self) -> usize {
        self.pending.bytes.get()
    }

    /// Messages dropped because the pending limits were reached.
    pub fn dropped(&self) -> u64 {
        self.pending.dropped.get()
    }

    /// This subscription's pending limits.
    pub fn pending_limits(&self) -> PendingLimits {
        self.pending.limits
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
        let polled = Pin::new(&mut self.messages).poll_next(cx);
        if let Poll::Ready(Some(inner)) = &polled {
            self.pending.taken(inner);
        }
        let client = self.handle.client.clone();
        if let Poll::Ready(None) = polled {
            if !self.finished {
                self.finished = true;
                self.handle.client.stream_finished(self.handle.sid);
            }
        }
        polled.map(|m| m.map(|inner| Message::new(inner, client)))
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        // Ends it on the server unless it already ended; either outcome is fine here.
        let sid = self.handle.sid;
        let finished = self.finished;
        let end = move |client: &Client| {
            let _ = client.command(|state| {
                state.subscription_errors.remove(&sid);
                if state.subscriptions.contains_key(&sid) {
                    state.conn.unsubscribe(sid, None)?;
                }
                Ok(())
            });
            if !finished {
                client.stream_finished(sid);
            }
        };
        if self.handle.client.shared.try_borrow_mut().is_ok() {
            end(&self.handle.client);
        } else {
            // Dropped while the connection's state is in use: right after it.
            let client = self.handle.client.clone();
            wasm_bindgen_futures::spawn_local(async move { end(&client) });
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn message(payload: &str) -> conn::Message {
        conn::Message {
            subject: "s".into(),
            reply: None,
            headers: None,
            raw_headers: None,
            header_error: None,
            payload: payload.as_bytes().to_vec(),
        }
    }

    #[test]
    fn past_the_message_limit_messages_are_dropped_and_one_episode_is_reported_once() {
        let pending = Pending::new(PendingLimits {
            messages: 2,
            bytes: 1 << 20,
        });
        let offered: Vec<_> = (0..4).map(|_| pending.admit(&message("m"))).collect();
        assert_eq!(
            offered,
            [
                Offered::Kept,
                Offered::Kept,
                Offered::SlowConsumer { dropped: 1 },
                Offered::Dropped
            ]
        );
        assert_eq!((pending.messages.get(), pending.bytes.get()), (2, 4));
        pending.taken(&message("m"));
        assert_eq!(pending.admit(&message("m")), Offered::Kept);
        assert_eq!(
            pending.admit(&message("m")),
            Offered::SlowConsumer { dropped: 3 }
        );
    }

    #[test]
    fn past_the_byte_limit_messages_are_dropped_but_a_lone_large_message_is_kept() {
        let pending = Pending::new(PendingLimits {
            messages: 100,
            bytes: 10,
        });
        assert_eq!(pending.admit(&message("0123456789abc")), Offered::Kept);
        assert_eq!(
            pending.admit(&message("x")),
            Offered::SlowConsumer { dropped: 1 }
        );
        pending.taken(&message("0123456789abc"));
        assert_eq!((pending.messages.get(), pending.bytes.get()), (0, 0));
        assert_eq!(pending.admit(&message("0123")), Offered::Kept);
        assert_eq!(pending.admit(&message("0123")), Offered::Kept);
        // Subject and payload count: 5 + 5 bytes fill the limit.
        assert_eq!(
            pending.admit(&message("0")),
            Offered::SlowConsumer { dropped: 2 }
        );
    }
}
