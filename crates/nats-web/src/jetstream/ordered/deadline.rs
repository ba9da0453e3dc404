//! [`Deadline`]: a point in time a stream can wait for, judged by the clock and not by the
//! timer: a `setTimeout` only wakes the poller, which then compares `now()` with the deadline
//! (a timer that fires early re-arms; one that fires late is simply late).

use std::cell::RefCell;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use nats_core::Instant;

use crate::platform::now;
use crate::ws::Timer;

/// A deadline, armed for at most one instant at a time.
pub(crate) struct Deadline {
    at: Option<Instant>,
    /// The instant the timer is armed for, if it is.
    armed: Option<Instant>,
    wake: Rc<RefCell<Wake>>,
    timer: Timer,
}

/// What the timer's callback shares with the poller.
#[derive(Default)]
struct Wake {
    waker: Option<Waker>,
    /// The timer fired since it was armed.
    fired: bool,
}

impl Deadline {
    /// A deadline not armed yet.
    pub(crate) fn new() -> Self {
        let wake: Rc<RefCell<Wake>> = Rc::default();
        let woken = wake.clone();
        let timer = Timer::new(move || {
            // Taken out of the cell before waking: the poll may re-arm it.
            let waker = {
                let mut wake = woken.borrow_mut();
                wake.fired = true;
                wake.waker.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        });
        Deadline {
            at: None,
            armed: None,
            wake,
            timer,
        }
    }

    /// Waits for `at` (replacing any earlier instant).
    pub(crate) fn set(&mut self, at: Instant) {
        self.at = Some(at);
    }

    /// Waits for nothing.
    pub(crate) fn clear(&mut self) {
        self.at = None;
        self.armed = None;
        self.timer.cancel();
        self.wake.borrow_mut().fired = false;
    }

    /// Ready once `now()` has reached the instant set (which is then cleared); pending while
    /// none is set.
    pub(crate) fn poll_reached(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(at) = self.at else {
            return Poll::Pending;
        };
        let now = now();
        if now >= at {
            self.clear();
            return Poll::Ready(());
        }
        {
            let mut wake = self.wake.borrow_mut();
            wake.waker = Some(cx.waker().clone());
            if std::mem::take(&mut wake.fired) {
                // Fired early (or for an earlier instant): its handle is spent.
                self.timer.fired();
                self.armed = None;
            }
        }
        if self.armed != Some(at) {
            let millis = at.saturating_duration_since(now).as_millis();
            // One millisecond more: a timer never fires before its delay.
            self.timer
                .arm(i32::try_from(millis.saturating_add(1)).unwrap_or(i32::MAX));
            self.armed = Some(at);
        }
        Poll::Pending
    }
}
