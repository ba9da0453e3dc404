//! The ordered consumer's heartbeat check: by its own deadline (two heartbeat intervals of the
//! page's clock since the last activity), confirmed by a round trip before a heartbeat counts
//! as missed ([`nats_core::jetstream::ordered::HeartbeatMonitor`] decides; this runs it).

use std::future::IntoFuture;
use std::task::Context as TaskContext;
use std::time::Duration;

use nats_core::jetstream::ordered::{HeartbeatCheck, ResetReason};

use super::{OrderedMessages, Phase};
use crate::platform::now;

impl OrderedMessages {
    /// The heartbeat check: by its deadline, confirmed by a round trip.
    pub(super) fn poll_heartbeat(&mut self, cx: &mut TaskContext<'_>) {
        if !matches!(self.phase, Phase::Running) {
            return;
        }
        loop {
            if let Some(probe) = self.probe.as_mut() {
                if probe.as_mut().poll(cx).is_pending() {
                    return;
                }
                self.probe = None;
                if self.monitor.probe_ended(now(), self.unread()) == HeartbeatCheck::Missed {
                    return self.reset(Some(ResetReason::MissedHeartbeat));
                }
            }
            if let Some(at) = self.monitor.next_check() {
                self.deadline.set(at);
            }
            if self.deadline.poll_reached(cx).is_pending() {
                return;
            }
            match self.monitor.deadline_reached(now(), self.unread()) {
                HeartbeatCheck::Alive { .. } => {}
                HeartbeatCheck::Probe => {
                    let timeout = probe_timeout(self.machine.options().idle_heartbeat);
                    let flush = self.client().flush().timeout(timeout).into_future();
                    // Answered or failed, the answer decides: what arrived before it counts.
                    self.probe = Some(Box::pin(async move {
                        let _ = flush.await;
                    }));
                }
                HeartbeatCheck::Missed => return self.reset(Some(ResetReason::MissedHeartbeat)),
            }
        }
    }

    /// Messages waiting unread in the consumer's subscription.
    fn unread(&self) -> usize {
        self.subscription
            .as_ref()
            .map_or(0, |s| s.pending_messages())
    }
}

/// How long the heartbeat check's round trip may take: two heartbeats, within 1 to 10 s.
fn probe_timeout(idle_heartbeat: Duration) -> Duration {
    idle_heartbeat
        .saturating_mul(2)
        .clamp(Duration::from_secs(1), Duration::from_secs(10))
}
