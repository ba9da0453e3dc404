//! The page's state as a pure reducer: every client event and user action becomes an
//! [`Action`]; the view renders [`PageState`]. Nothing here touches the network or the DOM, so
//! it is tested natively.

use std::collections::VecDeque;
use std::rc::Rc;

use yew::Reducible;

use nats_web::conn::{Direction, TraceLine};

mod ask_all;
mod greetings;
mod log;
mod services;
mod status;
mod trace;
pub mod trace_jetstream;

pub use ask_all::{AskAll, AskReply, ASK_ALL_LIMIT};
pub use greetings::{
    hello, Availability, GreetingBook, GreetingEdit, GreetingRow, GreetingsChange, GreetingsView,
    LastOperation, Reply, DEFAULT_BUCKET, GREETINGS_LIMIT, HISTORY, MAX_GREETING_BYTES,
    MAX_NAME_BYTES,
};
pub use log::{LogLine, Tone};
pub use services::{
    rows as service_rows, EndpointRow, ServiceRow, ServicesView, ENDPOINTS_SHOWN, SERVICES_LIMIT,
};
pub use status::ConnStatus;
pub use trace::TRACE_LIMIT;

/// Lines each log keeps; older ones are dropped, so a server that sends `-ERR` after `-ERR`
/// cannot grow the page without limit.
pub const LOG_LIMIT: usize = 1_000;

/// Appends `line` to `log`, dropping the oldest line past [`LOG_LIMIT`].
fn push_bounded(log: &mut Vec<LogLine>, line: LogLine) {
    if log.len() >= LOG_LIMIT {
        log.remove(0);
    }
    log.push(line);
}

/// Which of the page's two connections something happened on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conn {
    /// The connection that runs the example program once per click.
    Example,
    /// The long-lived connection behind the playground.
    Playground,
}

impl Conn {
    /// A short label for the trace.
    pub fn label(self) -> &'static str {
        match self {
            Conn::Example => "example",
            Conn::Playground => "playground",
        }
    }
}

/// One operation of a connection's protocol trace, and when the page saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEntry {
    /// The connection it went over.
    pub conn: Conn,
    /// The operation.
    pub line: TraceLine,
    /// When the page saw it, in microseconds since the page started.
    pub at_us: u64,
}

/// Everything the page shows. The long lists are behind `Rc`s: an action copies only what it
/// changes (`Rc::make_mut`), and the components' props compare by pointer first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageState {
    /// The servers the page uses.
    pub servers: Vec<String>,
    /// Status of the example's connection.
    pub example_status: ConnStatus,
    /// Steps and outputs of the latest example run.
    pub example_log: Rc<Vec<LogLine>>,
    /// Whether an example run is in progress.
    pub example_running: bool,
    /// Status of the playground's connection.
    pub playground_status: ConnStatus,
    /// Whether the playground responder is subscribed.
    pub responder_running: bool,
    /// Whether the greet service is being started.
    pub responder_starting: bool,
    /// What happened in the playground, oldest first.
    pub playground_log: Rc<Vec<LogLine>>,
    /// The protocol trace of both connections, oldest first.
    pub trace: Rc<VecDeque<TraceEntry>>,
    /// Trace lines dropped to stay within [`TRACE_LIMIT`].
    pub trace_dropped: usize,
    /// JetStream idle heartbeats (of the Greetings watch) counted instead of kept.
    pub heartbeats: usize,
    /// Service discovery operations counted instead of kept, per connection (see
    /// [`PageState::discovery_ops`]).
    discovery_ops: [usize; 2],
    /// Reply subjects of discovery requests delivered, by connection, not yet answered.
    discovery_replies: Vec<(Conn, String)>,
    /// The connection the sequence diagram draws.
    pub diagram_conn: Conn,
    /// The latest "Ask all" and its replies.
    pub ask_all: Option<AskAll>,
    /// The services discovered on the server.
    pub services: Rc<ServicesView>,
    /// The greetings bucket, as the Greetings panel shows it.
    pub greetings: Rc<GreetingsView>,
}

impl PageState {
    /// The state before anything has happened, with the greetings in [`DEFAULT_BUCKET`].
    pub fn new(servers: Vec<String>) -> Self {
        Self::with_bucket(servers, DEFAULT_BUCKET)
    }

    /// The state before anything has happened, with the greetings in `bucket`.
    pub fn with_bucket(servers: Vec<String>, bucket: &str) -> Self {
        PageState {
            servers,
            example_status: ConnStatus::Idle,
            example_log: Rc::default(),
            example_running: false,
            playground_status: ConnStatus::Idle,
            responder_running: false,
            responder_starting: false,
            playground_log: Rc::default(),
            trace: Rc::default(),
            trace_dropped: 0,
            heartbeats: 0,
            discovery_ops: [0; 2],
            discovery_replies: Vec::new(),
            diagram_conn: Conn::Example,
            ask_all: None,
            services: Rc::default(),
            greetings: Rc::new(GreetingsView::new(bucket)),
        }
    }
}

/// Something that happened, to be folded into the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A new example run starts: its log is cleared.
    ExampleStarted,
    /// The example run finished.
    ExampleFinished,
    /// A line for the example log.
    ExampleLog(LogLine),
    /// A line for the playground log.
    PlaygroundLog(LogLine),
    /// A connection's status changed.
    Status(Conn, ConnStatus),
    /// The playground responder was subscribed (true) or drained or failed to start (false).
    Responder(bool),
    /// The greet service is being started.
    ResponderStarting,
    /// A protocol trace line.
    Trace(TraceEntry),
    /// The sequence diagram draws this connection.
    ShowDiagram(Conn),
    /// "Ask all" request number `.0` to subject `.1` was sent: the previous one's replies are
    /// cleared.
    AskAllSent(u64, String),
    /// A reply to "Ask all" request `.0` (ignored unless it is the latest).
    AskAllReply(u64, AskReply),
    /// "Ask all" request `.0` ended, and why; `true` if that is a failure (ignored unless it
    /// is the latest).
    AskAllEnded(u64, String, bool),
    /// A refresh of the Services panel found these services, or failed.
    Services(Result<Vec<ServiceRow>, String>),
    /// Something happened to the greetings bucket.
    Greetings(GreetingsChange),
}

impl PageState {
    /// Folds `action` into the state.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::ExampleStarted => {
                self.example_log = Rc::default();
                self.diagram_conn = Conn::Example;
                self.example_running = true;
            }
            Action::ExampleFinished => self.example_running = false,
            Action::ExampleLog(line) => push_bounded(Rc::make_mut(&mut self.example_log), line),
            Action::PlaygroundLog(line) => {
                push_bounded(Rc::make_mut(&mut self.playground_log), line)
            }
            Action::Status(Conn::Example, status) => self.example_status = status,
            Action::Status(Conn::Playground, status) => {
                // While reconnecting the client keeps the subscription and restores it.
                if matches!(
                    status,
                    ConnStatus::Error(_) | ConnStatus::Closed(_) | ConnStatus::Idle
                ) {
                    self.responder_running = false;
                }
                self.playground_status = status;
            }
            Action::Responder(running) => {
                self.responder_running = running;
                self.responder_starting = false;
            }
            Action::ResponderStarting => self.responder_starting = true,
            Action::ShowDiagram(conn) => self.diagram_conn = conn,
            Action::Services(found) => {
                let services = Rc::make_mut(&mut self.services);
                services.refreshes += 1;
                match found {
                    Ok(rows) => {
                        services.rows = Rc::new(rows);
                        services.error = None;
                    }
                    Err(e) => services.error = Some(e),
                }
            }
            Action::AskAllSent(id, subject) => self.ask_all = Some(AskAll::new(id, subject)),
            Action::AskAllReply(id, reply) => {
                if let Some(ask) = self.ask_all.as_mut().filter(|a| a.id == id) {
                    ask.push(reply);
                }
            }
            Action::AskAllEnded(id, why, failed) => {
                if let Some(ask) = self.ask_all.as_mut().filter(|a| a.id == id) {
                    ask.end = Some(why);
                    ask.failed = failed;
                }
            }
            Action::Trace(entry) => self.push_trace(entry),
            Action::Greetings(change) => Rc::make_mut(&mut self.greetings).apply(change),
        }
    }
}

impl Reducible for PageState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(action);
        Rc::new(next)
    }
}

/// The arrow shown before a trace line.
pub fn arrow(direction: Direction) -> &'static str {
    match direction {
        Direction::Sent => "→",
        Direction::Received => "←",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reduce(state: PageState, actions: impl IntoIterator<Item = Action>) -> PageState {
        let mut state = Rc::new(state);
        for a in actions {
            state = state.reduce(a);
        }
        (*state).clone()
    }

    #[test]
    fn a_new_example_run_replaces_the_previous_log() {
        let s = reduce(
            PageState::new(vec![]),
            [
                Action::ExampleStarted,
                Action::ExampleLog(LogLine::output("hello, joe")),
                Action::ExampleFinished,
                Action::ExampleStarted,
                Action::ExampleLog(LogLine::output("hello, sue")),
            ],
        );
        assert_eq!(*s.example_log, [LogLine::output("hello, sue")]);
        assert!(s.example_running);
    }

    #[test]
    fn an_action_copies_only_the_part_of_the_state_it_changes() {
        let before = Rc::new(reduce(
            PageState::new(vec![]),
            [
                Action::ExampleLog(LogLine::output("hello, joe")),
                Action::PlaygroundLog(LogLine::step("a")),
            ],
        ));
        let line = TraceLine::sent(&nats_web::proto::ClientOp::Ping);
        let after = before.clone().reduce(Action::Trace(TraceEntry {
            conn: Conn::Example,
            line,
            at_us: 1,
        }));
        assert!(Rc::ptr_eq(&before.example_log, &after.example_log));
        assert!(Rc::ptr_eq(&before.playground_log, &after.playground_log));
        assert!(Rc::ptr_eq(&before.services, &after.services));
        assert!(Rc::ptr_eq(&before.greetings, &after.greetings));
        assert!(!Rc::ptr_eq(&before.trace, &after.trace));
        assert_eq!(after.trace.len(), 1);
        assert!(before.trace.is_empty());
    }

    #[test]
    fn every_log_line_is_kept_in_order() {
        let s = reduce(
            PageState::new(vec![]),
            ["a", "b", "c"].map(|t| Action::PlaygroundLog(LogLine::step(t))),
        );
        let texts: Vec<_> = s.playground_log.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["a", "b", "c"]);
    }

    #[test]
    fn the_logs_keep_the_newest_lines_within_their_limit() {
        let s = reduce(
            PageState::new(vec![]),
            (0..LOG_LIMIT + 5).map(|i| Action::PlaygroundLog(LogLine::error(i.to_string()))),
        );
        assert_eq!(s.playground_log.len(), LOG_LIMIT);
        assert_eq!(s.playground_log.first(), Some(&LogLine::error("5")));
    }

    #[test]
    fn the_trace_is_bounded_and_counts_what_it_dropped() {
        let line = |i: usize| {
            TraceLine::sent(&nats_web::proto::ClientOp::Pub {
                subject: &format!("x.{i}"),
                reply: None,
                payload: b"",
            })
        };
        let s = reduce(
            PageState::new(vec![]),
            (0..TRACE_LIMIT + 5).map(|i| {
                Action::Trace(TraceEntry {
                    conn: Conn::Example,
                    line: line(i),
                    at_us: i as u64,
                })
            }),
        );
        assert_eq!(s.trace.len(), TRACE_LIMIT);
        assert_eq!(s.trace_dropped, 5);
        assert_eq!(s.trace.front().unwrap().line, line(5));
    }

    /// A reply "Ask all" lists, from another client.
    fn ask_reply(text: &str) -> AskReply {
        AskReply {
            text: text.into(),
            responder: "another client".into(),
            after: "1.0 ms".into(),
        }
    }

    #[test]
    fn ask_all_lists_the_replies_of_the_latest_request_only_and_why_it_ended() {
        let s = reduce(
            PageState::new(vec![]),
            [
                Action::AskAllSent(1, "greet.ann".into()),
                Action::AskAllReply(1, ask_reply("a")),
                Action::AskAllEnded(1, "stall".into(), false),
                Action::AskAllSent(2, "greet.bob".into()),
                Action::AskAllReply(2, ask_reply("b")),
                Action::AskAllReply(2, ask_reply("c")),
            ],
        );
        let ask = s.ask_all.as_ref().unwrap();
        assert_eq!(ask.subject, "greet.bob");
        assert_eq!(ask.replies, [ask_reply("b"), ask_reply("c")]);
        assert_eq!(ask.end, None);
        let s = reduce(s, [Action::AskAllEnded(2, "no responders".into(), true)]);
        assert!(s.ask_all.unwrap().failed);
    }

    #[test]
    fn overlapping_ask_alls_list_only_the_latest_requests_replies_and_end() {
        let s = reduce(
            PageState::new(vec![]),
            [
                Action::AskAllSent(1, "greet.ann".into()),
                Action::AskAllReply(1, ask_reply("ann 1")),
                Action::AskAllSent(2, "greet.bob".into()),
                Action::AskAllReply(1, ask_reply("ann 2")),
                Action::AskAllReply(2, ask_reply("bob 1")),
                Action::AskAllEnded(1, "done: no further reply within 300 ms".into(), false),
                Action::AskAllReply(2, ask_reply("bob 2")),
            ],
        );
        let ask = s.ask_all.as_ref().unwrap();
        assert_eq!(ask.subject, "greet.bob");
        assert_eq!(ask.replies, [ask_reply("bob 1"), ask_reply("bob 2")]);
        assert_eq!(ask.end, None, "still gathering");
    }

    #[test]
    fn ask_all_keeps_at_most_its_limit_of_replies() {
        let s = reduce(
            PageState::new(vec![]),
            std::iter::once(Action::AskAllSent(7, "greet.x".into())).chain(
                (0..ASK_ALL_LIMIT + 3).map(|i| {
                    Action::AskAllReply(
                        7,
                        AskReply {
                            text: i.to_string(),
                            responder: String::new(),
                            after: String::new(),
                        },
                    )
                }),
            ),
        );
        let ask = s.ask_all.unwrap();
        assert_eq!(ask.replies.len(), ASK_ALL_LIMIT);
        assert_eq!(ask.more, 3, "the rest are counted");
    }

    #[test]
    fn a_closed_playground_has_no_running_responder() {
        let s = reduce(
            PageState::new(vec![]),
            [
                Action::Responder(true),
                Action::Status(Conn::Playground, ConnStatus::Error("lost".into())),
            ],
        );
        assert!(!s.responder_running);
        assert_eq!(s.playground_status.text(), "error: lost");
    }

    #[test]
    fn a_reconnecting_playground_keeps_its_responder() {
        let s = reduce(
            PageState::new(vec![]),
            [
                Action::Responder(true),
                Action::Status(
                    Conn::Playground,
                    ConnStatus::Disconnected("server gone".into()),
                ),
                Action::Status(
                    Conn::Playground,
                    ConnStatus::Reconnecting {
                        attempt: 2,
                        url: "ws://b".into(),
                    },
                ),
            ],
        );
        assert!(
            s.responder_running,
            "the client resubscribes it on reconnect"
        );
        assert_eq!(
            s.playground_status.text(),
            "reconnecting to ws://b (attempt 2)…"
        );
    }

    #[test]
    fn status_lines_read_as_sentences() {
        let connected = ConnStatus::Connected {
            server: "dev".into(),
            version: "2.9.10".into(),
            url: "ws://127.0.0.1:4280".into(),
        };
        assert_eq!(
            connected.text(),
            "connected to dev (nats-server 2.9.10) at ws://127.0.0.1:4280"
        );
        assert_eq!(
            ConnStatus::Connecting("ws://x".into()).text(),
            "connecting to ws://x…"
        );
    }
}
