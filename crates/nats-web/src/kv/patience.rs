//! How long `keys` and `history` wait for their entries: they read an ordered consumer up to
//! its last initial entry, and fail instead of waiting for ever when nothing comes (a server
//! down longer than that, JetStream unable to recreate the consumer).

use std::cell::RefCell;
use std::future::poll_fn;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::Duration;

use futures::Stream;

use crate::platform::now;
use crate::ws::Timer;

/// The longest `keys` and `history` wait for their next entry.
pub const INITIAL_VALUES_IDLE: Duration = Duration::from_secs(30);

/// Waits for a stream's items, each at most a given time (judged by the clock: a late timer
/// only makes the answer late). One timer serves every wait.
pub(crate) struct Patience {
    timer: Timer,
    wake: Rc<RefCell<Wake>>,
}

#[derive(Default)]
struct Wake {
    waker: Option<Waker>,
    /// The timer is set (and has not fired since).
    armed: bool,
}

impl Patience {
    pub(crate) fn new() -> Self {
        let wake: Rc<RefCell<Wake>> = Rc::default();
        let woken = wake.clone();
        let timer = Timer::new(move || {
            let waker = {
                let mut wake = woken.borrow_mut();
                wake.armed = false;
                wake.waker.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        });
        Patience { timer, wake }
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
            let mut wake = self.wake.borrow_mut();
            wake.waker = Some(cx.waker().clone());
            if !wake.armed {
                let millis = deadline.saturating_duration_since(now).as_millis();
                // One millisecond more: a timer never fires before its delay.
                self.timer
                    .arm(i32::try_from(millis.saturating_add(1)).unwrap_or(i32::MAX));
                wake.armed = true;
            }
            Poll::Pending
        })
        .await;
        self.timer.cancel();
        self.wake.borrow_mut().armed = false;
        outcome
    }
}
