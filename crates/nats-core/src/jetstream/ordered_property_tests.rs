//! The ordered consumer's promise as a property: over any sequence of deliveries, losses,
//! duplicates, late deliveries of earlier consumers, heartbeats, flow control, resets and
//! deletions, each stream sequence is delivered once, in order, and none is missed once the
//! network behaves; every reset restarts right after the last one delivered.

use proptest::prelude::*;

use super::tests::{ack, heartbeat, status};
use super::*;

/// What the network and the server do next.
#[derive(Debug, Clone)]
enum Step {
    /// The next message arrives.
    Send,
    /// The next message is sent and lost (a drop past the pending limits, a reconnect).
    Lose,
    /// The last message sent arrives again.
    Duplicate,
    /// A delivery of an earlier consumer arrives late.
    Stale(u64),
    /// An idle heartbeat, saying what the server sent.
    Heartbeat,
    /// A flow control request.
    FlowControl,
    /// The owner resets (missed heartbeat, reconnect).
    OwnerReset(bool),
    /// The server deletes the consumer.
    Deleted,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => Just(Step::Send),
        2 => Just(Step::Lose),
        1 => Just(Step::Duplicate),
        1 => (1u64..50).prop_map(Step::Stale),
        2 => Just(Step::Heartbeat),
        1 => Just(Step::FlowControl),
        1 => any::<bool>().prop_map(Step::OwnerReset),
        1 => Just(Step::Deleted),
    ]
}

/// A server with a stream of `len` messages (stream sequences 1..=len) and the consumer
/// it runs from a config.
struct Server {
    len: u64,
    name: String,
    inbox: String,
    next_sseq: u64,
    dseq: u64,
    last_sent: Option<(u64, u64)>,
    generation: u64,
}

impl Server {
    fn create(&mut self, ordered: &mut OrderedConsumer) {
        self.generation += 1;
        self.name = format!("c{}", self.generation);
        self.inbox = format!("_INBOX.{}", self.name);
        let config = ordered
            .consumer_config(&self.inbox, &self.name, "2.10.0")
            .unwrap();
        self.next_sseq = match config.deliver_policy {
            DeliverPolicy::ByStartSequence => config.opt_start_seq,
            DeliverPolicy::All => 1,
            other => panic!("unexpected policy {other:?}"),
        };
        self.dseq = 0;
        self.last_sent = None;
    }

    /// The next delivery, if the stream has one.
    fn next(&mut self) -> Option<(u64, u64)> {
        (self.next_sseq <= self.len).then(|| {
            self.dseq += 1;
            let sent = (self.next_sseq, self.dseq);
            self.next_sseq += 1;
            self.last_sent = Some(sent);
            sent
        })
    }
}

struct Run {
    ordered: OrderedConsumer,
    server: Server,
    delivered: Vec<u64>,
}

impl Run {
    fn feed(&mut self, subject: &str, reply: Option<&str>, headers: Option<&HeaderMap>) {
        let last = self.delivered.last().copied();
        match self.ordered.on_message(subject, reply, headers) {
            Verdict::Deliver(info) => self.delivered.push(info.stream_sequence),
            Verdict::Reset(reset) => {
                assert_eq!(reset.from_stream_seq, last.map(|l| l + 1));
                self.server.create(&mut self.ordered);
            }
            Verdict::Skip | Verdict::Respond(_) => {}
        }
    }

    fn send(&mut self, (sseq, dseq): (u64, u64)) {
        let reply = ack(&self.server.name, sseq, dseq, self.server.len - sseq);
        self.feed("s", Some(&reply), None);
    }

    fn take(&mut self, step: Step) {
        match step {
            Step::Send => {
                if let Some(sent) = self.server.next() {
                    self.send(sent);
                }
            }
            Step::Lose => {
                self.server.next();
            }
            Step::Duplicate => {
                if let Some(sent) = self.server.last_sent {
                    self.send(sent);
                }
            }
            Step::Stale(seq) => {
                let reply = ack("old", seq, seq, 0);
                self.feed("s", Some(&reply), None);
            }
            Step::Heartbeat => {
                let headers = heartbeat(self.server.dseq, self.server.next_sseq - 1);
                let inbox = self.server.inbox.clone();
                self.feed(&inbox, None, Some(&headers));
            }
            Step::FlowControl => {
                let headers = status(100, "FlowControl Request", &[]);
                let inbox = self.server.inbox.clone();
                self.feed(&inbox, Some("$JS.FC.x"), Some(&headers));
            }
            Step::OwnerReset(reconnect) => {
                let reason = if reconnect {
                    ResetReason::Reconnect
                } else {
                    ResetReason::MissedHeartbeat
                };
                let last = self.delivered.last().copied();
                assert_eq!(
                    self.ordered.reset(reason).from_stream_seq,
                    last.map(|l| l + 1)
                );
                self.server.create(&mut self.ordered);
            }
            Step::Deleted => {
                let headers = status(409, "Consumer Deleted", &[]);
                let inbox = self.server.inbox.clone();
                self.feed(&inbox, None, Some(&headers));
            }
        }
    }
}

proptest! {
    #[test]
    fn whatever_happens_each_stream_sequence_is_delivered_once_in_order_and_none_is_missed(
        len in 1u64..60,
        steps in proptest::collection::vec(step(), 0..200),
    ) {
        let ordered = OrderedConsumer::new(OrderedOptions::new()).unwrap();
        let server = Server {
            len, name: String::new(), inbox: String::new(), next_sseq: 1, dseq: 0,
            last_sent: None, generation: 0,
        };
        let mut run = Run { ordered, server, delivered: Vec::new() };
        run.server.create(&mut run.ordered);
        for step in steps {
            run.take(step);
            prop_assert!(run.delivered.windows(2).all(|w| w[0] < w[1]));
        }
        // Then the network behaves: what is left arrives, and a heartbeat tells of
        // anything lost at the end.
        for _ in 0..(4 * len + 4) {
            run.take(Step::Send);
            run.take(Step::Heartbeat);
        }
        prop_assert_eq!(run.delivered, (1..=len).collect::<Vec<_>>());
    }
}
