//! [`Watcher`]: an internal listener of a connection's events that takes only the kinds it
//! needs and never queues more than a few (a service's task needs close and server errors,
//! not every trace line of a traced connection).

use super::channel::{self, Receiver, Sender};

/// Receives the events `wants` picks, at most `limit` waiting; past that, events are
/// dropped (a watcher reads the state it needs itself; each event only wakes it).
pub(crate) struct Watcher<T> {
    wants: fn(&T) -> bool,
    limit: usize,
    tx: Sender<T>,
}

impl<T: Clone> Watcher<T> {
    /// A watcher and the stream of what it takes; the stream ends when the watcher is
    /// dropped.
    pub(crate) fn new(wants: fn(&T) -> bool, limit: usize) -> (Watcher<T>, Receiver<T>) {
        let (tx, rx) = channel::unbounded();
        (Watcher { wants, limit, tx }, rx)
    }

    /// Offers `event`: queued (a clone) if it is wanted and there is room. Whether the
    /// watcher is still listening.
    pub(crate) fn offer(&self, event: &T) -> bool {
        if !(self.wants)(event) || self.tx.queued() >= self.limit {
            return true;
        }
        self.tx.send(event.clone()).is_ok()
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use futures::StreamExt;

    #[test]
    fn a_watcher_takes_only_what_it_wants_and_never_more_than_its_limit() {
        let (watcher, rx) = Watcher::new(|n: &u32| n % 2 == 0, 3);
        for n in 0..1000 {
            assert!(watcher.offer(&n));
        }
        drop(watcher);
        assert_eq!(block_on(rx.collect::<Vec<_>>()), [0, 2, 4]);
    }

    #[test]
    fn a_watcher_whose_stream_is_dropped_stops_listening_at_its_next_wanted_event() {
        let (watcher, rx) = Watcher::new(|n: &u32| *n > 5, 3);
        drop(rx);
        assert!(watcher.offer(&1), "not wanted: nothing sent, still listed");
        assert!(!watcher.offer(&6));
    }
}
