//! A future that completes after a while (the global `setTimeout`): the deadline of a pull.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::client::channel::{oneshot, OneshotReceiver};
use crate::ws::Timer;

/// Completes once `duration` has passed (later in a throttled background tab, never earlier);
/// dropping it cancels the timer.
pub(crate) fn sleep(duration: Duration) -> Sleep {
    let (tx, rx) = oneshot();
    let mut tx = Some(tx);
    let mut timer = Timer::new(move || {
        if let Some(tx) = tx.take() {
            tx.send(());
        }
    });
    // Past i32::MAX ms (about 24 days) setTimeout fires at once: cap it there.
    timer.arm(i32::try_from(duration.as_millis()).unwrap_or(i32::MAX));
    Sleep { _timer: timer, rx }
}

/// See [`sleep`].
pub(crate) struct Sleep {
    _timer: Timer,
    rx: OneshotReceiver<()>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.rx).poll(cx).map(|_| ())
    }
}
