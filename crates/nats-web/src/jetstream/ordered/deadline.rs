//! [`Deadline`]: a point in time a stream can wait for, judged by the clock and not by the
//! timer: the timer ([`crate::jetstream::sleep`]) only wakes the poller, which then compares
//! `now()` with the deadline (a timer that fires early re-arms; one that fires late is simply
//! late).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use nats_core::Instant;

use crate::jetstream::sleep::{sleep, Sleep};
use crate::platform::now;

/// A deadline, armed for at most one instant at a time.
pub(crate) struct Deadline {
    waiting: Option<(Instant, Sleep)>,
}

impl Deadline {
    /// A deadline not armed yet.
    pub(crate) fn new() -> Self {
        Deadline { waiting: None }
    }

    /// Waits for `at` (replacing any other instant).
    pub(crate) fn set(&mut self, at: Instant) {
        if self.waiting.as_ref().is_some_and(|(armed, _)| *armed == at) {
            return;
        }
        // One millisecond more: the timer's delay is in whole milliseconds.
        let delay = at.saturating_duration_since(now()) + Duration::from_millis(1);
        self.waiting = Some((at, sleep(delay)));
    }

    /// Waits for nothing.
    pub(crate) fn clear(&mut self) {
        self.waiting = None;
    }

    /// Ready once `now()` has reached the instant set (which is then cleared); pending while
    /// none is set.
    pub(crate) fn poll_reached(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            let Some((at, timer)) = self.waiting.as_mut() else {
                return Poll::Pending;
            };
            if now() >= *at {
                self.waiting = None;
                return Poll::Ready(());
            }
            if Pin::new(timer).poll(cx).is_pending() {
                return Poll::Pending;
            }
            // Fired before the instant: arm again for the rest.
            let at = *at;
            self.waiting = None;
            self.set(at);
        }
    }
}
