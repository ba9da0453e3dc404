//! The protocol trace the page keeps: bounded per connection, so that one connection's traffic
//! never evicts the other's (the example's one-shot run stays drawable however long the
//! playground runs), and without service discovery (`$SRV.…` requests delivered to the greet
//! service and its replies to them), which is only counted: every Services panel on the server
//! asks every 2 s, and would otherwise fill the trace. JetStream's idle heartbeats are only
//! counted too ([`super::trace_jetstream`]).

use std::rc::Rc;

use nats_web::conn::{Direction, OpKind};

use super::{trace_jetstream, Conn, PageState, TraceEntry};

/// Trace lines kept per connection; older ones are dropped (and counted).
pub const TRACE_LIMIT: usize = 400;

/// Reply subjects of discovery requests remembered until their reply is seen (a reply never
/// sent must not grow the state).
const DISCOVERY_REPLIES: usize = 64;

/// A `$SRV.…` subject: service discovery and monitoring.
fn is_discovery(subject: &str) -> bool {
    subject.starts_with("$SRV.")
}

impl PageState {
    /// Service discovery operations of `conn` counted instead of kept.
    pub fn discovery_ops(&self, conn: Conn) -> usize {
        self.discovery_ops[conn as usize]
    }

    /// Keeps `entry` (dropping the oldest line of its connection past [`TRACE_LIMIT`]), or
    /// counts it if it is service discovery or a JetStream idle heartbeat.
    pub(super) fn push_trace(&mut self, entry: TraceEntry) {
        if trace_jetstream::is_idle_heartbeat(&entry.line.op) {
            self.heartbeats += 1;
            return;
        }
        if self.is_discovery_traffic(&entry) {
            self.discovery_ops[entry.conn as usize] += 1;
            return;
        }
        let conn = entry.conn;
        if self.trace.iter().filter(|e| e.conn == conn).count() >= TRACE_LIMIT {
            if let Some(oldest) = self.trace.iter().position(|e| e.conn == conn) {
                Rc::make_mut(&mut self.trace).remove(oldest);
                self.trace_dropped += 1;
            }
        }
        Rc::make_mut(&mut self.trace).push_back(entry);
    }

    /// A discovery request delivered to this connection (its reply subject noted), a reply to
    /// one, or a discovery request this connection sent.
    fn is_discovery_traffic(&mut self, entry: &TraceEntry) -> bool {
        let op = &entry.line.op;
        match (entry.line.direction, op.kind) {
            (Direction::Received, OpKind::Msg) if is_discovery(&op.subject) => {
                if let Some(reply) = &op.reply {
                    if self.discovery_replies.len() >= DISCOVERY_REPLIES {
                        self.discovery_replies.remove(0);
                    }
                    self.discovery_replies.push((entry.conn, reply.clone()));
                }
                true
            }
            (Direction::Sent, OpKind::Pub) if op.reply.is_none() => {
                let at = self
                    .discovery_replies
                    .iter()
                    .position(|(c, r)| *c == entry.conn && *r == op.subject);
                at.map(|at| self.discovery_replies.remove(at)).is_some()
            }
            (Direction::Sent, OpKind::Pub) => is_discovery(&op.subject),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Action;
    use super::*;
    use crate::app::diagram;
    use nats_web::conn::TraceLine;
    use nats_web::proto::{ClientOp, ConnectInfo, HeaderMap, MsgOp, ServerOp, StatusCode};

    fn entry(conn: Conn, line: TraceLine, at_us: u64) -> Action {
        Action::Trace(TraceEntry { conn, line, at_us })
    }

    fn publish(conn: Conn, subject: &str, reply: Option<&str>, at: u64) -> Action {
        let op = ClientOp::Pub {
            subject,
            reply,
            payload: b"x",
        };
        entry(conn, TraceLine::sent(&op), at)
    }

    fn sub(conn: Conn, subject: &str, sid: u64, at: u64) -> Action {
        let op = ClientOp::Sub {
            subject,
            queue: None,
            sid,
        };
        entry(conn, TraceLine::sent(&op), at)
    }

    fn msg(conn: Conn, subject: &str, sid: u64, reply: Option<&str>, at: u64) -> Action {
        let op = ServerOp::Msg(MsgOp {
            subject: subject.into(),
            sid,
            reply: reply.map(Into::into),
            headers: None,
            raw_headers: None,
            header_error: None,
            payload: b"x".to_vec(),
        });
        entry(conn, TraceLine::received(&op), at)
    }

    /// A request answered on `conn`: requester, responder (sid 1) and the muxed inbox (sid 2).
    fn run(conn: Conn) -> Vec<Action> {
        let connect = ClientOp::Connect(&ConnectInfo::default());
        vec![
            entry(conn, TraceLine::sent(&connect), 0),
            sub(conn, "greet.*", 1, 1),
            sub(conn, "_INBOX.A.*", 2, 2),
            publish(conn, "greet.joe", Some("_INBOX.A.1"), 3),
            msg(conn, "greet.joe", 1, Some("_INBOX.A.1"), 4),
            publish(conn, "_INBOX.A.1", None, 5),
            msg(conn, "_INBOX.A.1", 2, None, 6),
        ]
    }

    /// One discovery round trip to the playground's service: a `$SRV.STATS` delivered, its
    /// reply published.
    fn discovery(i: u64) -> [Action; 2] {
        let reply = format!("_INBOX.panel.{i}");
        [
            msg(Conn::Playground, "$SRV.STATS", 9, Some(&reply), 100 + i),
            publish(Conn::Playground, &reply, None, 100 + i),
        ]
    }

    fn apply(state: &mut PageState, actions: impl IntoIterator<Item = Action>) {
        for action in actions {
            state.apply(action);
        }
    }

    #[test]
    fn the_seed_runs_diagram_survives_any_amount_of_discovery_and_playground_traffic() {
        let mut state = PageState::new(vec![]);
        apply(&mut state, run(Conn::Example));
        let before = diagram::build(state.trace.iter(), Conn::Example);
        assert_eq!(before.arrows.len(), 6);
        apply(&mut state, run(Conn::Playground));
        apply(&mut state, (0..1_000).flat_map(discovery));
        // And the playground's own requests, more than the trace keeps of it.
        apply(
            &mut state,
            (0..TRACE_LIMIT as u64).map(|i| publish(Conn::Playground, "x", None, 10_000 + i)),
        );
        assert_eq!(diagram::build(state.trace.iter(), Conn::Example), before);
    }

    #[test]
    fn discovery_traffic_is_counted_not_kept() {
        let mut state = PageState::new(vec![]);
        apply(&mut state, run(Conn::Playground));
        apply(&mut state, (0..1_000).flat_map(discovery));
        apply(
            &mut state,
            [publish(
                Conn::Playground,
                "$SRV.PING",
                Some("_INBOX.A.9"),
                1,
            )],
        );
        assert_eq!(state.trace.len(), 7, "the playground's run only");
        assert_eq!(state.discovery_ops(Conn::Playground), 2_001);
        assert_eq!(state.discovery_ops(Conn::Example), 0);
        assert_eq!(state.trace_dropped, 0);
        assert!(state.discovery_replies.is_empty());
        let d = diagram::build(state.trace.iter(), Conn::Playground);
        assert_eq!(d.arrows.len(), 6, "{:?}", d.arrows);
    }

    #[test]
    fn a_reply_to_a_subject_no_discovery_request_named_is_kept() {
        let mut state = PageState::new(vec![]);
        apply(&mut state, discovery(1));
        apply(
            &mut state,
            [publish(Conn::Playground, "_INBOX.panel.1", None, 9)],
        );
        apply(
            &mut state,
            [publish(Conn::Example, "_INBOX.panel.2", None, 9)],
        );
        assert_eq!(state.trace.len(), 2, "{:?}", state.trace);
        // Discovery requests never answered do not grow the state.
        apply(
            &mut state,
            (0..1_000).map(|i| msg(Conn::Playground, "$SRV.PING", 9, Some(&format!("r.{i}")), i)),
        );
        assert_eq!(state.discovery_replies.len(), DISCOVERY_REPLIES);
    }

    /// A JetStream status-100 message on the watch's subscription (sid 7).
    fn status_100(reply: Option<&str>, at: u64) -> Action {
        let mut headers = HeaderMap::new();
        headers.set_status(StatusCode::IDLE_HEARTBEAT, None);
        let op = ServerOp::Msg(MsgOp {
            subject: "_INBOX.watch".into(),
            sid: 7,
            reply: reply.map(Into::into),
            headers: Some(headers),
            raw_headers: None,
            header_error: None,
            payload: Vec::new(),
        });
        entry(Conn::Playground, TraceLine::received(&op), at)
    }

    #[test]
    fn idle_heartbeats_are_counted_not_kept_and_flow_control_is_kept() {
        let mut state = PageState::new(vec![]);
        apply(&mut state, run(Conn::Playground));
        apply(&mut state, (0..1_000).map(|i| status_100(None, 100 + i)));
        assert_eq!(state.heartbeats, 1_000);
        assert_eq!(state.trace.len(), 7, "the playground's run only");
        apply(
            &mut state,
            [status_100(Some("$JS.FC.KV_greetings.x.1"), 2_000)],
        );
        assert_eq!(
            state.trace.len(),
            8,
            "a flow control request must be answered: kept"
        );
        let tag = super::trace_jetstream::tag(&state.trace.back().unwrap().line.op);
        assert_eq!(tag, Some("flow control"));
    }
}
