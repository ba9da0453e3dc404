//! How long `keys` and `history` wait for their entries: they read an ordered consumer up to
//! its last initial entry, and fail instead of waiting for ever when nothing comes (a server
//! down longer than that, JetStream unable to recreate the consumer).

use std::cell::Cell;
use std::future::poll_fn;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use futures::task::AtomicWaker;
use futures::Stream;

use crate::platform::now;
use crate::ws::Timer;

/// The longest `keys` and `history` wait for their next entry.
pub const INITIAL_VALUES_IDLE: Duration = Duration::from_secs(30);

/// Waits for a stream's items, each at most a given time (judged by the clock: a late timer
/// only makes the answer late). One timer serves every wait.
pub(crate) struct Patience {
    timer: Timer,
    fired: Rc<Fired>,
    armed: bool,
}

/// What the timer's callback tells the waiting poll.
#[derive(Default)]
struct Fired {
    waker: AtomicWaker,
    yes: Cell<bool>,
}

impl Patience {
    pub(crate) fn new() -> Self {
        let fired = Rc::<Fired>::default();
        let from_timer = fired.clone();
        let timer = Timer::new(move || {
            from_timer.yes.set(true);
            from_timer.waker.wake();
        });
        Patience {
            timer,
            fired,
            armed: false,
        }
    }

    /// The next item of `stream`, or `None` when none came within `limit`.
    pub(crate) async fn next<S: Stream + Unpin>(
        &mut self,
        stream: &mut S,
        limit: Duration,
    ) -> Option<Option<S::Item>> {
        let deadline = now() + limit;
        let outcome = poll_fn(|cx| {
            if let Poll::Ready(item) = Pin::new(&mut *stream).poll_next(cx) {
                return Poll::Ready(Some(item));
            }
            let now = now();
            if now >= deadline {
                return Poll::Ready(None);
            }
            self.fired.waker.register(cx.waker());
            if self.fired.yes.take() {
                // Fired before the clock says the deadline is reached: set it again.
                self.timer.fired();
                self.armed = false;
            }
            if !self.armed {
                let millis = deadline.saturating_duration_since(now).as_millis();
                // One millisecond more: a timer never fires before its delay.
                self.timer
                    .arm(i32::try_from(millis.saturating_add(1)).unwrap_or(i32::MAX));
                self.armed = true;
            }
            Poll::Pending
        })
        .await;
        self.timer.cancel();
        self.armed = false;
        self.fired.yes.set(false);
        outcome
    }
}
