//! [`PullMessages`]: the endless stream of a pull consumer's messages. It counts the messages
//! asked for and not yet come (`outstanding`): at half the batch it pulls for the rest (as
//! nats.go's `checkPending`), and it pulls a whole batch when no pull is left (every batch
//! filled, expired: 408 says how many of its messages it still owed, or the connection back
//! after a reconnect). Refusals that pass are retried after a backoff with jitter, refusals
//! that always come end it.

use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use futures::Stream;

use super::{Inbox, PullConsumer, Step};
use crate::client::channel;
use crate::jetstream::sleep::{sleep, Sleep};
use crate::jetstream::{JetStreamError, JsMessage};
use crate::ClientEvent;

/// The first wait after a refused pull; it doubles with each refusal in a row.
const FIRST_RETRY: Duration = Duration::from_millis(250);

/// The longest wait after refused pulls.
const LAST_RETRY: Duration = Duration::from_secs(5);

/// At most this many reconnect events wait: each only says "pull again".
const WATCH_LIMIT: usize = 4;

/// A pull consumer's messages as a stream ([`PullConsumer::messages`]).
pub struct PullMessages {
    inner: Pin<Box<dyn Stream<Item = Result<JsMessage, JetStreamError>>>>,
}

impl PullMessages {
    pub(super) fn new(consumer: PullConsumer) -> Self {
        let events = consumer
            .context
            .client()
            .watch(reconnected_or_closed, WATCH_LIMIT);
        let state = PullState {
            consumer,
            inbox: None,
            pull: None,
            outstanding: 0,
            last_pull: 0,
            heard: false,
            refusals: 0,
            events: Some(events),
            done: false,
        };
        PullMessages {
            inner: Box::pin(futures::stream::unfold(state, PullState::next)),
        }
    }
}

impl Stream for PullMessages {
    type Item = Result<JsMessage, JetStreamError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// The events a [`PullMessages`] acts on: a reconnect (pull again) and the close.
fn reconnected_or_closed(event: &ClientEvent) -> bool {
    matches!(
        event,
        ClientEvent::Reconnected { .. } | ClientEvent::Closed(_)
    )
}

/// How long to wait before the pull after `refusals` refused ones in a row: 250 ms doubling
/// to 5 s, each between half and all of that (`random` in 0..=255 picks where), so that
/// many pages refused at once do not all ask again at once.
fn retry_delay(refusals: u32, random: u8) -> Duration {
    let doubled = FIRST_RETRY.saturating_mul(1 << refusals.saturating_sub(1).min(8));
    let full = doubled.min(LAST_RETRY);
    let half = full / 2;
    half + half * u32::from(random) / 255
}

/// The state of a [`PullMessages`] stream between items.
struct PullState {
    consumer: PullConsumer,
    /// The subscription every pull is answered on, once made.
    inbox: Option<Inbox>,
    /// The deadline of the newest pull in flight (the last of them to expire); `None`: no
    /// pull is in flight.
    pull: Option<Pin<Box<Sleep>>>,
    /// Messages the pulls in flight asked for that have not come.
    outstanding: usize,
    /// Messages the newest pull asked for.
    last_pull: usize,
    /// A message came since the newest pull went.
    heard: bool,
    /// Pulls refused in a row.
    refusals: u32,
    /// Reconnects and the close; `None` once the watch ended.
    events: Option<channel::Receiver<ClientEvent>>,
    /// A terminal error was yielded.
    done: bool,
}

impl PullState {
    async fn next(mut self) -> Option<(Result<JsMessage, JetStreamError>, Self)> {
        if self.done {
            return None;
        }
        if let Err(e) = self.consumer.check_expires() {
            return self.fail(e);
        }
        let mut inbox = match self.inbox.take() {
            Some(inbox) => inbox,
            None => match self.consumer.inbox().await {
                Ok(inbox) => inbox,
                Err(e) => return self.fail(e),
            },
        };
        loop {
            let batch = self.consumer.batch;
            let top_up = self.pull.is_some() && self.outstanding <= batch / 2;
            let mut deadline = match self.pull.take() {
                Some(deadline) if !top_up => deadline,
                _ => {
                    if self.refusals > 0 {
                        let random = crate::platform::random_seed()[0];
                        sleep(retry_delay(self.refusals, random)).await;
                    }
                    let n = batch.saturating_sub(self.outstanding).max(1);
                    if let Err(e) = self.consumer.send_pull(&inbox, n, false).await {
                        return self.fail(e);
                    }
                    self.outstanding = self.outstanding.saturating_add(n);
                    self.last_pull = n;
                    self.heard = false;
                    Box::pin(sleep(self.consumer.wait()))
                }
            };
            let step = self
                .consumer
                .step(&mut inbox, &mut deadline, Some(&mut self.events))
                .await;
            match step {
                Ok(Step::Message(message)) => {
                    self.outstanding = self.outstanding.saturating_sub(1);
                    self.heard = true;
                    self.refusals = 0;
                    // A filled batch gets no status from the server: when every pull is
                    // filled, none is left.
                    if self.outstanding > 0 {
                        self.pull = Some(deadline);
                    }
                    self.inbox = Some(inbox);
                    return Some((Ok(*message), self));
                }
                // A pull is over: what it still owed is not coming.
                Ok(Step::Ended(owed)) => {
                    self.refusals = 0;
                    self.owed(owed.unwrap_or(usize::MAX), deadline);
                }
                // The server forgot the pulls: a new one.
                Ok(Step::Reconnected) => {
                    self.refusals = 0;
                    self.outstanding = 0;
                }
                // Refused (answered at once: the newest pull), for a reason that passes (too
                // many pulls waiting, a leadership change): said, and the next pull goes
                // after a wait.
                Ok(Step::Refused(error)) => {
                    self.refusals = self.refusals.saturating_add(1);
                    self.owed(self.last_pull, deadline);
                    self.inbox = Some(inbox);
                    let error = JetStreamError::api(error, &self.consumer.pulling());
                    return Some((Err(error), self));
                }
                // Every pull like it would be refused: said once, and the stream ends.
                Ok(Step::Rejected(error)) => {
                    let error = JetStreamError::api(error, &self.consumer.pulling());
                    return self.fail(error);
                }
                // The newest pull's wait is over, so is every older one's.
                Ok(Step::Expired) => {
                    self.outstanding = 0;
                    if !self.heard {
                        // Not even the expiry came: said, and the next pull goes.
                        self.inbox = Some(inbox);
                        return Some((Err(self.consumer.silent()), self));
                    }
                }
                Err(e) => return self.fail(e),
            }
        }
    }

    /// A pull ended owing `owed` messages: they are no longer outstanding; the newest
    /// pull's `deadline` stays while some still are.
    fn owed(&mut self, owed: usize, deadline: Pin<Box<Sleep>>) {
        self.outstanding = self.outstanding.saturating_sub(owed);
        if self.outstanding > 0 {
            self.pull = Some(deadline);
        }
    }

    fn fail(mut self, e: JetStreamError) -> Option<(Result<JsMessage, JetStreamError>, Self)> {
        self.done = true;
        Some((Err(e), self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_pulls_wait_longer_each_time_up_to_five_seconds_with_jitter() {
        assert_eq!(retry_delay(1, 255), FIRST_RETRY);
        assert_eq!(retry_delay(1, 0), FIRST_RETRY / 2);
        assert_eq!(retry_delay(2, 255), FIRST_RETRY * 2);
        assert_eq!(retry_delay(9, 255), LAST_RETRY);
        assert_eq!(retry_delay(u32::MAX, 255), LAST_RETRY);
        assert!(retry_delay(u32::MAX, 0) >= LAST_RETRY / 2);
    }
}
