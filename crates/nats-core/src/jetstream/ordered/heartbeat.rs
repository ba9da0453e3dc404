//! [`HeartbeatMonitor`]: whether an ordered consumer's server still sends, measured by the
//! owner's clock from the last activity, and confirmed by a round trip before it says no.
//!
//! A consumer with nothing to deliver sends a heartbeat every idle-heartbeat interval. The
//! monitor expects activity (a message, a heartbeat, anything on the consumer's
//! subscription) within two intervals of the last. It does not count timer ticks: the owner
//! asks at [`HeartbeatMonitor::next_check`] or whenever it likes, and the monitor compares the
//! times. When two intervals have passed without activity it does not declare the heartbeat
//! missed at once: it asks for a round trip ([`HeartbeatCheck::Probe`], a flush). Messages and
//! heartbeats travel on the same connection ahead of the server's answer, so if the timer
//! fired late (a background tab, a busy main thread) they arrive before it, and only a
//! consumer that is really silent is reset.

use std::time::Duration;

use crate::Instant;

/// What the owner does after a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeartbeatCheck {
    /// The consumer is alive: check again at this instant (or later).
    Alive {
        /// When two intervals will have passed since the last activity.
        next_check: Instant,
    },
    /// Nothing within two intervals by the owner's clock: make a round trip to the server
    /// (a flush), then call [`HeartbeatMonitor::probe_answered`].
    Probe,
    /// Nothing arrived before the server answered the round trip: the consumer is gone or
    /// stuck. Reset it.
    Missed,
}

/// Tracks the last activity of one consumer (see the module documentation).
#[derive(Debug, Clone)]
pub struct HeartbeatMonitor {
    limit: Duration,
    last_activity: Instant,
    /// Activities so far, to tell whether any came while a probe was out.
    activities: u64,
    /// The activity count when the probe went out, while one is out.
    probe: Option<u64>,
}

impl HeartbeatMonitor {
    /// A monitor for a consumer with heartbeats every `idle_heartbeat`, created `now` (which
    /// counts as activity).
    pub fn new(now: Instant, idle_heartbeat: Duration) -> Self {
        HeartbeatMonitor {
            limit: idle_heartbeat.saturating_mul(2),
            last_activity: now,
            activities: 0,
            probe: None,
        }
    }

    /// Something of the consumer arrived `now` (or waits unread).
    pub fn activity(&mut self, now: Instant) {
        self.last_activity = self.last_activity.max(now);
        self.activities += 1;
    }

    /// When to check next; `None` while a probe is out (its answer decides).
    pub fn next_check(&self) -> Option<Instant> {
        match self.probe {
            Some(_) => None,
            None => Some(self.last_activity + self.limit),
        }
    }

    /// Checks `now`: [`HeartbeatCheck::Alive`] within two intervals of the last activity,
    /// else [`HeartbeatCheck::Probe`] (and the probe is out). While a probe is out it says
    /// `Probe` again: wait for its answer.
    pub fn check(&mut self, now: Instant) -> HeartbeatCheck {
        if self.probe.is_some() {
            return HeartbeatCheck::Probe;
        }
        let next_check = self.last_activity + self.limit;
        if now < next_check {
            return HeartbeatCheck::Alive { next_check };
        }
        self.probe = Some(self.activities);
        HeartbeatCheck::Probe
    }

    /// The owner's deadline ([`HeartbeatMonitor::next_check`]) was reached `now`, with
    /// `unread` messages waiting in the consumer's subscription: those count as activity (a
    /// slow reader is no silent server), then [`HeartbeatMonitor::check`].
    pub fn deadline_reached(&mut self, now: Instant, unread: usize) -> HeartbeatCheck {
        self.note_unread(now, unread);
        self.check(now)
    }

    /// The probe's round trip ended `now` (answered, or failed), with `unread` messages
    /// waiting in the subscription: those count as activity, then
    /// [`HeartbeatMonitor::probe_answered`]. After `Alive`, [`HeartbeatMonitor::next_check`]
    /// says when to look again.
    pub fn probe_ended(&mut self, now: Instant, unread: usize) -> HeartbeatCheck {
        self.note_unread(now, unread);
        self.probe_answered()
    }

    fn note_unread(&mut self, now: Instant, unread: usize) {
        if unread > 0 {
            self.activity(now);
        }
    }

    /// The round trip of the probe ended (answered, or failed): `Alive` if anything arrived
    /// since it went out, `Missed` if not.
    pub fn probe_answered(&mut self) -> HeartbeatCheck {
        let Some(before) = self.probe.take() else {
            return HeartbeatCheck::Alive {
                next_check: self.last_activity + self.limit,
            };
        };
        if self.activities > before {
            HeartbeatCheck::Alive {
                next_check: self.last_activity + self.limit,
            }
        } else {
            HeartbeatCheck::Missed
        }
    }
}
