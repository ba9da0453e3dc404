//! Channels from the connection's state to the futures and streams waiting on it.
//!
//! A page runs the client on one thread, so these are `Rc<RefCell<..>>` with a waker: no
//! atomics, no locks. `futures::channel` is built for threads and cost the browser build 4 KB
//! of wasm and an atomic operation per message.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures::Stream;

/// What both ends share.
struct Inner<T> {
    queue: VecDeque<T>,
    sender_alive: bool,
    receiver_alive: bool,
    waker: Option<Waker>,
}

/// A new unbounded channel with one sender and one receiver.
pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Rc::new(RefCell::new(Inner {
        queue: VecDeque::new(),
        sender_alive: true,
        receiver_alive: true,
        waker: None,
    }));
    (
        Sender {
            inner: inner.clone(),
        },
        Receiver { inner },
    )
}

/// The sending end of an [`unbounded`] channel.
pub struct Sender<T> {
    inner: Rc<RefCell<Inner<T>>>,
}

impl<T> Sender<T> {
    /// Queues `value` for the receiver; gives it back if the receiver is gone.
    pub fn send(&self, value: T) -> Result<(), T> {
        let mut inner = self.inner.borrow_mut();
        if !inner.receiver_alive {
            return Err(value);
        }
        inner.queue.push_back(value);
        let waker = inner.waker.take();
        drop(inner);
        wake(waker);
        Ok(())
    }
}

impl<T> Sender<T> {
    /// How many values wait for the receiver.
    pub(crate) fn queued(&self) -> usize {
        self.inner.borrow().queue.len()
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut inner = self.inner.borrow_mut();
        inner.sender_alive = false;
        let waker = inner.waker.take();
        drop(inner);
        wake(waker);
    }
}

/// The receiving end of an [`unbounded`] channel: a stream of what was sent, in order, that
/// ends once the sender is dropped and everything sent has been taken.
pub struct Receiver<T> {
    inner: Rc<RefCell<Inner<T>>>,
}

impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut inner = self.inner.borrow_mut();
        if let Some(value) = inner.queue.pop_front() {
            return Poll::Ready(Some(value));
        }
        if !inner.sender_alive {
            return Poll::Ready(None);
        }
        register(&mut inner.waker, cx);
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut inner = self.inner.borrow_mut();
        inner.receiver_alive = false;
        // Dropped outside the borrow: a value's own drop may use the channel.
        let queued = std::mem::take(&mut inner.queue);
        drop(inner);
        drop(queued);
    }
}

/// A new channel for one value.
pub(crate) fn oneshot<T>() -> (OneshotSender<T>, OneshotReceiver<T>) {
    let slot = Rc::new(RefCell::new(Slot {
        value: None,
        sender_alive: true,
        waker: None,
    }));
    (OneshotSender(slot.clone()), OneshotReceiver(slot))
}

/// What both ends of a [`oneshot`] share.
struct Slot<T> {
    value: Option<T>,
    sender_alive: bool,
    waker: Option<Waker>,
}

/// Sends the one value of a [`oneshot`] channel.
pub(crate) struct OneshotSender<T>(Rc<RefCell<Slot<T>>>);

impl<T> OneshotSender<T> {
    /// Sends `value`. Nothing is lost if the receiver is gone: the value is dropped with the
    /// slot the sender was the last owner of.
    pub fn send(self, value: T) {
        let mut slot = self.0.borrow_mut();
        slot.value = Some(value);
    }
}

impl<T> Drop for OneshotSender<T> {
    fn drop(&mut self) {
        let mut slot = self.0.borrow_mut();
        slot.sender_alive = false;
        let waker = slot.waker.take();
        drop(slot);
        wake(waker);
    }
}

/// The sender of a [`oneshot`] channel was dropped without sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Canceled;

/// Resolves to the value of a [`oneshot`] channel, or [`Canceled`].
pub(crate) struct OneshotReceiver<T>(Rc<RefCell<Slot<T>>>);

impl<T> Future for OneshotReceiver<T> {
    type Output = Result<T, Canceled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.0.borrow_mut();
        if let Some(value) = slot.value.take() {
            return Poll::Ready(Ok(value));
        }
        if !slot.sender_alive {
            return Poll::Ready(Err(Canceled));
        }
        register(&mut slot.waker, cx);
        Poll::Pending
    }
}

/// Keeps the waker of the task polling now (cloning it only when it changed).
fn register(waker: &mut Option<Waker>, cx: &Context<'_>) {
    if !waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
        *waker = Some(cx.waker().clone());
    }
}

/// Wakes a waiting task. Called once the `RefCell` borrow has ended, for an executor that
/// polls right away.
fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        waker.wake();
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use futures::StreamExt;

    #[test]
    fn values_arrive_in_order_and_the_stream_ends_with_the_sender() {
        let (tx, mut rx) = unbounded();
        for n in 1..=3 {
            tx.send(n).unwrap();
        }
        drop(tx);
        assert_eq!(
            block_on(async { (&mut rx).collect::<Vec<_>>().await }),
            [1, 2, 3]
        );
        assert_eq!(block_on(rx.next()), None);
    }

    #[test]
    fn sending_to_a_dropped_receiver_gives_the_value_back() {
        let (tx, rx) = unbounded();
        drop(rx);
        assert_eq!(tx.send("lost"), Err("lost"));
    }

    #[test]
    fn a_waiting_receiver_is_woken_by_a_send() {
        let (tx, mut rx) = unbounded();
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Pending);
        tx.send(7).unwrap();
        assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Ready(Some(7)));
    }

    #[test]
    fn a_oneshot_resolves_to_its_value_or_to_canceled() {
        let (tx, rx) = oneshot();
        tx.send(5);
        assert_eq!(block_on(rx), Ok(5));

        let (tx, rx) = oneshot::<u8>();
        drop(tx);
        assert_eq!(block_on(rx), Err(Canceled));
    }
}
