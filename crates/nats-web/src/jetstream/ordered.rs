//! [`Context::ordered_consumer`]: a stream's messages in order, each once, kept going through
//! gaps, missed heartbeats, reconnects and server restarts (ADR-17; the protocol decisions are
//! [`nats_core::jetstream::ordered`]'s, this is the runtime around them).
//!
//! # What it promises
//!
//! * **In order, each once, none skipped.** Every message has a stream sequence greater than
//!   the one before; when anything goes missing on the way (a gap in the consumer sequence,
//!   a heartbeat that says more was sent than arrived, a reconnect, the consumer deleted on
//!   the server), the consumer is recreated to start right after the last message delivered.
//! * **Nothing lost silently by the page's own limits.** Its subscription has the client's
//!   pending message limit and at least [`MIN_PENDING_BYTES`] (the server's largest
//!   flow-control window, so big messages wait for the flow-control answer instead of being
//!   dropped); a message dropped past them is a gap like any other, so the consumer restarts
//!   from the last one delivered: a slow reader costs a reset, never a message.
//! * **Late timers cause no reset.** The heartbeat check is measured by its own deadline
//!   (two heartbeat intervals of the page's clock since the last activity), and before it
//!   declares a heartbeat missed it makes a round trip to the server: heartbeats that arrived
//!   while the tab was in the background or the main thread busy come before the answer.
//! * **It keeps trying what may work later, and says what will not.** A recreate that
//!   JetStream refuses for now (restarting, no responders, timeouts, disconnected, 503 and
//!   other 5xx, cluster not ready, a consumer limit reached) is retried with a growing,
//!   jittered wait, up to [`MAX_RETRY_WAIT`] and a quarter, for as long as the connection
//!   lives. A refusal that retrying cannot change (the stream deleted, 10059; a config the
//!   server no longer takes, such as a filter outside the stream's subjects; JetStream not
//!   enabled for the account) ends the stream with one `Err` carrying the server's error,
//!   then `None`; so does the close of the connection (and, after a reconnect to a
//!   nats-server older than 2.10, several filter subjects it cannot take). Which API errors
//!   are which: [`nats_core::jetstream::ordered::retry`].
//! * **Dropping it cleans up.** The subscription ends at once and the consumer is deleted in
//!   the background (best effort, bounded by the context's timeout); one the page could not
//!   delete goes away after its inactive threshold.

mod deadline;
mod heartbeat;
mod recreate;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use futures::{Stream, StreamExt};
use nats_core::jetstream::consumer::ConsumerInfo;
use nats_core::jetstream::ordered::{HeartbeatMonitor, OrderedConsumer, Verdict};

pub use nats_core::jetstream::ordered::retry::MAX_RETRY_WAIT;
pub use nats_core::jetstream::ordered::{
    DeliverFrom, OrderedOptions, ResetCounts, ResetReason, DEFAULT_IDLE_HEARTBEAT,
    DEFAULT_INACTIVE_THRESHOLD,
};

use super::{Context, JetStreamError, JetStreamErrorKind, JsMessage};
use crate::client::channel;
use crate::platform::now;
use crate::{Client, ClientEvent, Subscriber};
use deadline::Deadline;

/// The bytes an ordered consumer's subscription holds at least, whatever the connect options
/// say (their message count still applies): nats-server's largest flow-control window
/// (`JsFlowControlMaxPending`, 32 MiB). The server asks for flow control and waits for the
/// answer before it sends more than its window, so a slow reader of big messages makes it
/// wait instead of making the page drop messages (and reset).
pub const MIN_PENDING_BYTES: usize = 32 * 1024 * 1024;

type Pinned<T> = Pin<Box<dyn Future<Output = T>>>;

/// Where the consumer is.
enum Phase {
    /// Its create request is on its way (its subscription already takes deliveries).
    Creating(Pinned<Result<ConsumerInfo, JetStreamError>>),
    /// It delivers.
    Running,
    /// Waiting before another create ([`MAX_RETRY_WAIT`] at most).
    Waiting,
    /// Ended: the error is given once, then the stream ends.
    Ended(Option<JetStreamError>),
}

/// The messages of an ordered consumer, in stream order (see the [module](self) docs):
/// a `Stream` of `Result<JsMessage, JetStreamError>` that ends only after an `Err` saying
/// why (the stream was deleted, the connection closed).
pub struct OrderedMessages {
    context: Context,
    stream: String,
    machine: OrderedConsumer,
    phase: Phase,
    /// The current consumer's subscription.
    subscription: Option<Subscriber>,
    /// Failed creates in a row, for the retry wait.
    failures: u32,
    /// The last of those failures, while the consumer waits to retry.
    retrying: Option<JetStreamError>,
    monitor: HeartbeatMonitor,
    /// The heartbeat check's deadline, or the retry wait's.
    deadline: Deadline,
    /// The heartbeat check's round trip, while one is out.
    probe: Option<Pinned<()>>,
    /// Reconnects and the close of the connection.
    events: channel::Receiver<ClientEvent>,
    /// The consumer last asked for, to delete when it is dropped (kept through a reset).
    consumer: Option<String>,
    /// Counts the changes of phase, so a poll goes on until nothing moves.
    moves: u64,
}

impl Context {
    /// An ordered consumer on `stream`: creates its first consumer and resolves once the
    /// server has accepted it. Fails with [`JetStreamErrorKind::InvalidArgument`] for a
    /// filter subject that is not one, several filters on nats-server 2.9, or a zero
    /// heartbeat, and as the consumer create fails otherwise (no such stream: the API error
    /// 10059). After that the stream keeps itself going (see the [module](self) docs).
    pub async fn ordered_consumer(
        &self,
        stream: &str,
        options: OrderedOptions,
    ) -> Result<OrderedMessages, JetStreamError> {
        nats_core::jetstream::stream::validate_stream_name(stream)?;
        let machine = OrderedConsumer::new(options).map_err(JetStreamError::invalid)?;
        let client = self.client().clone();
        let events = client.watch(wanted, WATCH_LIMIT);
        let monitor = HeartbeatMonitor::new(now(), machine.options().idle_heartbeat);
        let mut messages = OrderedMessages {
            context: self.clone(),
            stream: stream.to_owned(),
            machine,
            phase: Phase::Waiting,
            subscription: None,
            failures: 0,
            retrying: None,
            monitor,
            deadline: Deadline::new(),
            probe: None,
            events,
            consumer: None,
            moves: 0,
        };
        let create = messages.start_consumer()?;
        match create.await {
            Ok(info) => {
                messages.created(&info);
                Ok(messages)
            }
            Err(e) => {
                messages.not_created(&e);
                Err(e)
            }
        }
    }
}

/// The events the stream acts on: a reconnect (recreate) and the close (end).
fn wanted(event: &ClientEvent) -> bool {
    matches!(
        event,
        ClientEvent::Reconnected { .. } | ClientEvent::Closed(_)
    )
}

/// At most this many [`wanted`] events wait; each only makes the stream look at the
/// connection, so more would say nothing new.
const WATCH_LIMIT: usize = 4;

impl OrderedMessages {
    /// Messages left in the stream (for its filters) after the last one delivered, as the
    /// server said with it. Before the first: what the consumer's creation reported, plus
    /// what the server had already sent (`num_pending + delivered`, as nats.go counts a
    /// watch's initial values).
    pub fn pending(&self) -> u64 {
        self.machine.pending()
    }

    /// How many times the consumer was recreated, by reason, and the latest reason.
    pub fn resets(&self) -> ResetCounts {
        self.machine.resets()
    }

    /// Why the consumer is not running now: the refusal of its last recreate, one that may
    /// go away by itself (JetStream restarting, a consumer limit reached, a timeout, ...: see
    /// the [module](self) docs), kept while it waits and tries again. `None` while it runs,
    /// from the first recreate that succeeds. A page can show it ("live updates paused:
    /// ...") instead of waiting blind.
    pub fn retrying(&self) -> Option<&JetStreamError> {
        self.retrying.as_ref()
    }

    /// The stream sequence of the last message delivered (0 before the first).
    pub fn last_stream_sequence(&self) -> u64 {
        self.machine.last_stream_seq()
    }

    /// The name of the consumer in use, once the server has created it; `None` while it is
    /// being recreated (and after the end).
    pub fn consumer_name(&self) -> Option<&str> {
        match self.phase {
            Phase::Running => self.machine.consumer_name(),
            _ => None,
        }
    }

    fn client(&self) -> &Client {
        self.context.client()
    }

    /// Ends the stream with `error` as its last item.
    fn end(&mut self, error: Option<JetStreamError>) {
        if matches!(self.phase, Phase::Ended(_)) {
            return;
        }
        self.moves += 1;
        self.retrying = None;
        self.phase = Phase::Ended(error);
    }

    /// The connection closed: the stream's last item.
    fn connection_closed(&mut self) {
        let reason = self
            .client()
            .close_reason()
            .map_or_else(|| "closed".to_owned(), |r| r.to_string());
        self.forget_consumer();
        self.end(Some(JetStreamError::new(
            JetStreamErrorKind::Connection,
            format!("the ordered consumer ended: the connection closed ({reason})"),
        )));
    }

    /// Acts on reconnects and the close.
    fn poll_events(&mut self, cx: &mut TaskContext<'_>) {
        while let Poll::Ready(event) = self.events.poll_next_unpin(cx) {
            match event {
                Some(ClientEvent::Reconnected { .. }) => self.reset(Some(ResetReason::Reconnect)),
                Some(_) | None => {
                    if self.client().close_reason().is_some() {
                        self.connection_closed();
                    }
                    if event.is_none() {
                        return;
                    }
                }
            }
        }
    }

    /// Moves a create or a retry wait along.
    fn poll_phase(&mut self, cx: &mut TaskContext<'_>) {
        match &mut self.phase {
            Phase::Creating(create) => {
                if let Poll::Ready(result) = create.as_mut().poll(cx) {
                    match result {
                        Ok(info) => self.created(&info),
                        Err(e) => self.create_failed(e),
                    }
                }
            }
            Phase::Waiting => {
                if self.deadline.poll_reached(cx).is_ready() {
                    self.try_create();
                }
            }
            Phase::Running | Phase::Ended(_) => {}
        }
    }

    /// The next delivery of the subscription, acting on everything else it brings.
    fn poll_subscription(&mut self, cx: &mut TaskContext<'_>) -> Option<JsMessage> {
        loop {
            let subscription = self.subscription.as_mut()?;
            let message = match subscription.poll_next_unpin(cx) {
                Poll::Pending => return None,
                Poll::Ready(Some(message)) => message,
                Poll::Ready(None) => {
                    self.subscription_ended();
                    return None;
                }
            };
            self.monitor.activity(now());
            let verdict = self.machine.on_message(
                &message.subject,
                message.reply.as_deref(),
                message.headers.as_ref(),
            );
            match verdict {
                Verdict::Deliver(info) => return Some(JsMessage { message, info }),
                Verdict::Skip => {}
                Verdict::Respond(subject) => {
                    // Lost with the connection at worst: the consumer is then recreated.
                    let _ = self.client().publish_now(&subject, b"");
                }
                Verdict::Reset(_) => {
                    self.reset(None);
                    return None;
                }
            }
        }
    }

    /// The subscription ended under the consumer: the connection closed, or the server
    /// refused the inbox.
    fn subscription_ended(&mut self) {
        if self.client().close_reason().is_some() {
            self.connection_closed();
            return;
        }
        let why = self
            .subscription
            .as_ref()
            .and_then(Subscriber::error)
            .map_or_else(|| "it was unsubscribed".to_owned(), |e| e.to_string());
        self.forget_consumer();
        self.end(Some(JetStreamError::new(
            JetStreamErrorKind::Connection,
            format!("the ordered consumer's subscription ended: {why}"),
        )));
    }
}

impl Stream for OrderedMessages {
    type Item = Result<JsMessage, JetStreamError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Phase::Ended(error) = &mut this.phase {
                return Poll::Ready(error.take().map(Err));
            }
            let moves = this.moves;
            this.poll_events(cx);
            this.poll_phase(cx);
            if let Some(message) = this.poll_subscription(cx) {
                return Poll::Ready(Some(Ok(message)));
            }
            this.poll_heartbeat(cx);
            // Nothing changed: every part has registered the waker.
            if this.moves == moves {
                return Poll::Pending;
            }
        }
    }
}

impl Drop for OrderedMessages {
    fn drop(&mut self) {
        self.forget_consumer();
    }
}
