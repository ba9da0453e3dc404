//! When a watch has delivered its initial values (ADR-8's "End Of Initial Data"): the first
//! time a delivered message has nothing pending after it, or at once when there was nothing
//! to deliver. The marker is sent exactly once.

/// Tracks whether a watch (or `keys`, or `history`) has seen all of its initial values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitialValues {
    done: bool,
    /// The pending count after the first message, once there was one.
    first_pending: Option<u64>,
    received: u64,
}

impl InitialValues {
    /// A tracker for a consumer created with `pending_at_create` messages waiting for it (the
    /// consumer info's `num_pending`); a watch of new updates only (no initial values) is
    /// done from the start, as is one with nothing pending.
    pub fn new(include_initial: bool, pending_at_create: u64) -> Self {
        InitialValues {
            done: !include_initial || pending_at_create == 0,
            first_pending: None,
            received: 0,
        }
    }

    /// Whether the initial values are all delivered.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Takes one delivered message with `pending` messages after it; true when this message
    /// completes the initial values (the marker goes right after it). Besides `pending == 0`,
    /// the initial values also end with the last of those that were pending after the first
    /// one, so a bucket written to faster than it is read still gets its marker.
    pub fn on_message(&mut self, pending: u64) -> bool {
        if self.done {
            return false;
        }
        self.received = self.received.saturating_add(1);
        let first_pending = *self.first_pending.get_or_insert(pending);
        if pending == 0 || self.received > first_pending {
            self.done = true;
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_bucket_is_done_at_once() {
        let initial = InitialValues::new(true, 0);
        assert!(initial.is_done());
    }

    #[test]
    fn a_watch_of_updates_only_is_done_at_once_and_never_marks_again() {
        let mut initial = InitialValues::new(false, 10);
        assert!(initial.is_done());
        assert!(!initial.on_message(0));
    }

    #[test]
    fn the_message_with_nothing_pending_after_it_ends_the_initial_values_once() {
        let mut initial = InitialValues::new(true, 3);
        assert!(!initial.on_message(2));
        assert!(!initial.on_message(1));
        assert!(initial.on_message(0));
        assert!(initial.is_done());
        assert!(!initial.on_message(0), "the marker is sent once");
    }

    #[test]
    fn a_bucket_written_faster_than_it_is_read_still_gets_its_marker() {
        let mut initial = InitialValues::new(true, 2);
        // Two pending after the first: the first and the two after it are the initial values,
        // however many writes arrived behind them.
        assert!(!initial.on_message(2));
        assert!(!initial.on_message(5));
        assert!(initial.on_message(5));
    }
}
