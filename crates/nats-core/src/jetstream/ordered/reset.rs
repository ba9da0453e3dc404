//! Why an ordered consumer is recreated, where the next one starts, and the counts.

/// Why an ordered consumer was recreated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResetReason {
    /// A delivery or heartbeat showed a consumer sequence past the one expected: something
    /// was not received (also a message the subscription dropped past its pending limits).
    Gap,
    /// Neither a message nor a heartbeat arrived within two heartbeat intervals, confirmed by
    /// a round trip to the server.
    MissedHeartbeat,
    /// The connection was re-established: what the server sent meanwhile is lost.
    Reconnect,
    /// The server said the consumer is gone (status 409, e.g. "Consumer Deleted").
    ConsumerGone,
}

/// How many times an ordered consumer was recreated, by reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResetCounts {
    /// After a gap.
    pub gap: u64,
    /// After a missed heartbeat.
    pub missed_heartbeat: u64,
    /// After a reconnect.
    pub reconnect: u64,
    /// After the server deleted the consumer.
    pub consumer_gone: u64,
    /// The reason of the latest reset.
    pub last: Option<ResetReason>,
}

impl ResetCounts {
    /// Resets for every reason.
    pub fn total(&self) -> u64 {
        self.gap + self.missed_heartbeat + self.reconnect + self.consumer_gone
    }

    pub(super) fn count(&mut self, reason: ResetReason) {
        let counter = match reason {
            ResetReason::Gap => &mut self.gap,
            ResetReason::MissedHeartbeat => &mut self.missed_heartbeat,
            ResetReason::Reconnect => &mut self.reconnect,
            ResetReason::ConsumerGone => &mut self.consumer_gone,
        };
        *counter += 1;
        self.last = Some(reason);
    }
}

/// Drop the current consumer and create the next one ([`super::OrderedConsumer::consumer_config`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reset {
    /// Where the next consumer starts: right after the last stream sequence delivered.
    /// `None` while nothing has been delivered: it starts as the first one did.
    pub from_stream_seq: Option<u64>,
    /// Why.
    pub reason: ResetReason,
}
