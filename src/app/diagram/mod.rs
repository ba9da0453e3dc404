//! The sequence diagram's model: one connection's trace turned into lanes and arrows. Pure, so
//! it is tested natively; `components::sequence_diagram` draws it as SVG.
//!
//! Lanes: the connection as requester, nats-server, one lane per subscription that receives
//! requests (a responder, a service endpoint), and "other clients" for replies that came from
//! elsewhere. The muxed inbox is the requester's one subscription for every reply; a reply
//! with status 503 is the server's own "no responders" answer. JetStream's API requests, KV
//! writes and consumers are named for what they are (see `jetstream.rs`).

use super::display;
use super::state::{Conn, TraceEntry};
use nats_web::conn::{Direction, OpKind, TraceOp};

mod jetstream;
mod lanes;
#[cfg(test)]
mod tests;
mod vec_map;

use vec_map::VecMap;

/// Arrows drawn at most; older ones are counted in [`Diagram::older`].
pub const MAX_ARROWS: usize = 48;

/// Characters of a subject on an arrow.
const LABEL_SUBJECT: usize = 20;

/// Index of the requester's lane.
pub const REQUESTER: usize = 0;
/// Index of nats-server's lane.
pub const SERVER: usize = 1;

/// What an arrow stands for; it decides how the arrow looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A request: a `PUB` with a reply subject.
    Request,
    /// A message the server delivers to a subscription (`MSG`).
    Deliver,
    /// A reply published to a requester's inbox.
    Reply,
    /// The server's status 503 "no responders" to a request.
    NoResponders,
    /// `SUB`, `UNSUB` or a plain publish.
    Control,
}

impl Style {
    /// The name of this style, as an arrow's `data-style` (CSS selects on it).
    pub fn name(self) -> &'static str {
        match self {
            Style::Request => "request",
            Style::Deliver => "deliver",
            Style::Reply => "reply",
            Style::NoResponders => "no-responders",
            Style::Control => "control",
        }
    }
}

/// One lane: who sends and receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lane {
    /// Its name.
    pub label: String,
    /// What it is subscribed to (the muxed inbox for the requester), if anything.
    pub note: String,
}

/// One arrow: an operation from one lane to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrow {
    /// The lane it starts at.
    pub from: usize,
    /// The lane it points to.
    pub to: usize,
    /// Microseconds since the latest request at or before it (a request's own arrow: 0), or
    /// before the first request since the connection's `CONNECT` (until [`build`] ends: since
    /// the page started).
    pub at_us: u64,
    /// The short label drawn on it.
    pub label: String,
    /// The whole trace line (a tooltip).
    pub title: String,
    /// How it looks.
    pub style: Style,
}

/// What the diagram draws.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagram {
    /// The lanes, requester and server first.
    pub lanes: Vec<Lane>,
    /// The arrows, oldest first.
    pub arrows: Vec<Arrow>,
    /// Arrows of this connection before the ones drawn.
    pub older: usize,
    /// Service discovery and monitoring operations (`$SRV.…`) left out.
    pub discovery: usize,
}

/// A `$SRV.…` subject: service discovery, left out of the diagram so that monitoring does not
/// crowd out the requests.
fn is_discovery(subject: &str) -> bool {
    subject.starts_with("$SRV.")
}

/// `subject` short enough for an arrow: its start and its end (where an inbox's token is).
pub fn short_subject(subject: &str) -> String {
    let chars = subject.chars().count();
    if chars <= LABEL_SUBJECT {
        return subject.to_owned();
    }
    // Byte offset of character `n` (slices, not collected `chars()`: less wasm).
    let at = |n: usize| {
        subject
            .char_indices()
            .nth(n)
            .map_or(subject.len(), |(i, _)| i)
    };
    let head = subject.get(..at(9)).unwrap_or_default();
    let tail = subject
        .get(at(chars - (LABEL_SUBJECT - 10))..)
        .unwrap_or_default();
    format!("{head}…{tail}")
}

fn size_label(op: &TraceOp) -> String {
    if op.size == 0 {
        String::new()
    } else {
        format!(" ({})", display::bytes(op.size))
    }
}

/// Whether `reply` is a subject of the wildcard inbox subscription `inbox` (`<prefix>.*`).
fn in_inbox(inbox: &str, reply: &str) -> bool {
    inbox
        .strip_suffix('*')
        .and_then(|prefix| reply.strip_prefix(prefix))
        .is_some_and(|token| !token.is_empty() && !token.contains('.'))
}

/// Builds the diagram of `conn`'s latest connection (since its last `CONNECT`) from `trace`.
pub fn build<'a>(trace: impl IntoIterator<Item = &'a TraceEntry>, conn: Conn) -> Diagram {
    let mine: Vec<&TraceEntry> = trace.into_iter().filter(|e| e.conn == conn).collect();
    let start = mine
        .iter()
        .rposition(|e| e.line.direction == Direction::Sent && e.line.op.kind == OpKind::Connect)
        .unwrap_or(0);
    let entries = mine.get(start..).unwrap_or_default();
    let inboxes = inbox_sids(entries);
    Builder {
        diagram: Diagram {
            lanes: vec![
                Lane {
                    label: format!("{} (requester)", conn.label()),
                    note: String::new(),
                },
                Lane {
                    label: "nats-server".into(),
                    note: String::new(),
                },
            ],
            ..Diagram::default()
        },
        inboxes,
        lanes_of_sids: VecMap::new(),
        hidden_sids: VecMap::new(),
        reply_lanes: VecMap::new(),
        published: VecMap::new(),
        jetstream_replies: VecMap::new(),
        others: None,
        dead: VecMap::new(),
    }
    .run(entries)
}

/// The subscriptions that are request inboxes: a wildcard subscription some request's reply
/// subject falls in.
fn inbox_sids(entries: &[&TraceEntry]) -> VecMap<u64, ()> {
    let mut wildcards: Vec<(u64, &str)> = Vec::new();
    let mut inboxes = VecMap::new();
    for e in entries {
        let op = &e.line.op;
        match (e.line.direction, op.kind, op.sid, op.reply.as_deref()) {
            (Direction::Sent, OpKind::Sub, Some(sid), _) if op.subject.ends_with(".*") => {
                wildcards.push((sid, &op.subject));
            }
            (Direction::Sent, OpKind::Pub, _, Some(reply)) => {
                for (sid, inbox) in &wildcards {
                    if in_inbox(inbox, reply) {
                        inboxes.insert(*sid, ());
                    }
                }
            }
            _ => {}
        }
    }
    inboxes
}

struct Builder {
    diagram: Diagram,
    inboxes: VecMap<u64, ()>,
    lanes_of_sids: VecMap<u64, usize>,
    /// Discovery subscriptions, left out.
    hidden_sids: VecMap<u64, ()>,
    /// Reply subjects of requests delivered to a lane: a publish to one is that lane's reply
    /// (`None`: a discovery request's, left out).
    reply_lanes: VecMap<String, Option<usize>>,
    /// Replies this connection published, by subject and size, not yet seen delivered: an
    /// inbox message beyond them came from another client.
    published: VecMap<(String, usize), usize>,
    /// Reply subjects of requests to JetStream: their answers are the server's own.
    jetstream_replies: VecMap<String, ()>,
    others: Option<usize>,
    /// Lanes whose subscription was unsubscribed: drawn only while an arrow drawn uses them.
    dead: VecMap<usize, ()>,
}

impl Builder {
    fn run(mut self, entries: &[&TraceEntry]) -> Diagram {
        for e in entries {
            let at = e.at_us;
            match e.line.direction {
                Direction::Sent => self.sent(&e.line.op, at, &e.line.line),
                Direction::Received => self.received(&e.line.op, at, &e.line.line),
            }
        }
        let d = &mut self.diagram;
        // Times since each arrow's request (before the first one: since CONNECT), so that an
        // "Ask all" an hour into the playground still reads in milliseconds.
        let mut zero = entries.first().map_or(0, |e| e.at_us);
        for a in &mut d.arrows {
            if a.style == Style::Request {
                zero = a.at_us;
            }
            a.at_us = a.at_us.saturating_sub(zero);
        }
        if d.arrows.len() > MAX_ARROWS {
            d.older = d.arrows.len() - MAX_ARROWS;
            d.arrows.drain(..d.older);
        }
        self.drop_unused_lanes();
        self.diagram
    }

    fn arrow(
        &mut self,
        from: usize,
        to: usize,
        at_us: u64,
        label: String,
        title: &str,
        style: Style,
    ) {
        self.diagram.arrows.push(Arrow {
            from,
            to,
            at_us,
            label,
            title: display::line(title).into_owned(),
            style,
        });
    }

    fn lane(&mut self, label: String, note: String) -> usize {
        self.diagram.lanes.push(Lane { label, note });
        self.diagram.lanes.len() - 1
    }

    /// The lane of subscription `sid`; a lane of its own if the trace did not show its `SUB`.
    fn lane_of(&mut self, sid: u64) -> usize {
        if let Some(lane) = self.lanes_of_sids.get(&sid) {
            return *lane;
        }
        let lane = self.lane(format!("subscription {sid}"), String::new());
        self.lanes_of_sids.insert(sid, lane);
        lane
    }

    fn sent(&mut self, op: &TraceOp, at: u64, title: &str) {
        match op.kind {
            OpKind::Sub => {
                let Some(sid) = op.sid else { return };
                if is_discovery(&op.subject) {
                    self.hidden_sids.insert(sid, ());
                    self.diagram.discovery += 1;
                    return;
                }
                let queue = op
                    .queue
                    .as_deref()
                    .map(|q| format!(" (queue {})", display::subject(q)))
                    .unwrap_or_default();
                let from = if self.inboxes.contains(&sid) {
                    if let Some(lane) = self.diagram.lanes.get_mut(REQUESTER) {
                        lane.note = format!("muxed inbox {}", short_subject(&op.subject));
                    }
                    self.lanes_of_sids.insert(sid, REQUESTER);
                    REQUESTER
                } else {
                    let lane = self.lane(
                        format!("responder (sid {sid})"),
                        format!("{}{queue}", short_subject(&op.subject)),
                    );
                    self.lanes_of_sids.insert(sid, lane);
                    lane
                };
                let label = format!("SUB {}{queue}", short_subject(&op.subject));
                self.arrow(from, SERVER, at, label, title, Style::Control);
            }
            OpKind::Unsub => {
                let Some(sid) = op.sid else { return };
                if self.hidden_sids.contains(&sid) {
                    self.diagram.discovery += 1;
                    return;
                }
                let from = self.lane_of(sid);
                if from != REQUESTER {
                    self.dead.insert(from, ());
                }
                self.arrow(
                    from,
                    SERVER,
                    at,
                    format!("UNSUB {sid}"),
                    title,
                    Style::Control,
                );
            }
            OpKind::Pub => self.publish(op, at, title),
            _ => {}
        }
    }

    fn publish(&mut self, op: &TraceOp, at: u64, title: &str) {
        let subject = short_subject(&op.subject);
        let size = size_label(op);
        if let Some(reply) = op.reply.as_deref() {
            if is_discovery(&op.subject) {
                self.diagram.discovery += 1;
                return;
            }
            let label = self
                .jetstream_request(&op.subject, reply, &size)
                .unwrap_or_else(|| format!("PUB {subject} ↩ {}{size}", short_subject(reply)));
            return self.arrow(REQUESTER, SERVER, at, label, title, Style::Request);
        }
        match self.reply_lanes.get(&op.subject) {
            Some(None) => self.diagram.discovery += 1,
            Some(Some(lane)) => {
                let lane = *lane;
                let key = (op.subject.clone(), op.size);
                *self.published.get_or_default(key) += 1;
                let label = format!("PUB {subject} (reply){size}");
                self.arrow(lane, SERVER, at, label, title, Style::Reply);
            }
            None => {
                let label = format!("PUB {subject}{size}");
                self.arrow(REQUESTER, SERVER, at, label, title, Style::Control);
            }
        }
    }

    fn received(&mut self, op: &TraceOp, at: u64, title: &str) {
        if op.kind != OpKind::Msg {
            return;
        }
        let Some(sid) = op.sid else { return };
        let subject = short_subject(&op.subject);
        if self.hidden_sids.contains(&sid) {
            if let Some(reply) = &op.reply {
                self.reply_lanes.insert(reply.clone(), None);
            }
            self.diagram.discovery += 1;
            return;
        }
        if self.inboxes.contains(&sid) {
            let jetstream = self.is_jetstream_reply(&op.subject);
            if let Some(status) = op.status {
                let (label, style) = if status.as_u16() == 503 {
                    let no_js = if jetstream { " (no JetStream)" } else { "" };
                    (
                        format!("HMSG {subject}: 503 no responders{no_js}"),
                        Style::NoResponders,
                    )
                } else {
                    (format!("HMSG {subject}: status {status}"), Style::Deliver)
                };
                return self.arrow(SERVER, REQUESTER, at, label, title, style);
            }
            if jetstream {
                let label = format!("MSG {subject}: JetStream's answer{}", size_label(op));
                return self.arrow(SERVER, REQUESTER, at, label, title, Style::Deliver);
            }
            let key = (op.subject.clone(), op.size);
            let ours = self.published.get_mut(&key).filter(|n| **n > 0);
            if let Some(n) = ours {
                *n -= 1;
            } else {
                // Nobody on this connection answered: another client did.
                let others = match self.others {
                    Some(lane) => lane,
                    None => {
                        let lane = self.lane("other clients".into(), "their replies".into());
                        self.others = Some(lane);
                        lane
                    }
                };
                let label = format!("reply to {subject}");
                self.arrow(others, SERVER, at, label, title, Style::Reply);
            }
            let label = format!("MSG {subject}{}", size_label(op));
            return self.arrow(SERVER, REQUESTER, at, label, title, Style::Deliver);
        }
        let lane = self.lane_of(sid);
        let reply = op.reply.as_deref().unwrap_or_default();
        if let Some(label) = self.consumer_delivery(lane, sid, &op.subject, reply) {
            let label = format!("{label}{}", size_label(op));
            return self.arrow(SERVER, lane, at, label, title, Style::Deliver);
        }
        let label = match &op.reply {
            Some(reply) => {
                self.reply_lanes.insert(reply.clone(), Some(lane));
                format!("MSG {subject} ↩ {}", short_subject(reply))
            }
            None => format!("MSG {subject}{}", size_label(op)),
        };
        self.arrow(SERVER, lane, at, label, title, Style::Deliver);
    }
}
