//! [`TraceOp`]: a traced operation's parts, for a page that draws the protocol.

use crate::proto::{ClientOp, ServerOp, StatusCode};

/// Which protocol operation a trace line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// `CONNECT`.
    Connect,
    /// `INFO`.
    Info,
    /// `PUB` or `HPUB`: a message this client publishes.
    Pub,
    /// `MSG` or `HMSG`: a message delivered to one of this client's subscriptions.
    Msg,
    /// `SUB`.
    Sub,
    /// `UNSUB`.
    Unsub,
    /// `PING`.
    Ping,
    /// `PONG`.
    Pong,
    /// `+OK`.
    Ok,
    /// `-ERR`.
    Err,
}

/// The parts of a traced operation a sequence diagram needs; empty where the operation has
/// none. Subjects are whole (the server bounds them by its control line limit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceOp {
    /// Which operation.
    pub kind: OpKind,
    /// The subject of a `PUB`, `MSG` or `SUB`; empty otherwise.
    pub subject: String,
    /// The reply subject of a `PUB` or `MSG`.
    pub reply: Option<String>,
    /// The queue group of a `SUB`.
    pub queue: Option<String>,
    /// The subscription of a `MSG`, `SUB` or `UNSUB`.
    pub sid: Option<u64>,
    /// Bytes of payload (headers not counted) of a `PUB` or `MSG`.
    pub size: usize,
    /// Whether the message has headers (`HPUB`, `HMSG`).
    pub headers: bool,
    /// The status of an `HMSG` that has one (503: no responders).
    pub status: Option<StatusCode>,
}

impl TraceOp {
    pub(super) fn kind(kind: OpKind) -> Self {
        TraceOp {
            kind,
            subject: String::new(),
            reply: None,
            queue: None,
            sid: None,
            size: 0,
            headers: false,
            status: None,
        }
    }

    /// A `PUB` (`headers`: an `HPUB`).
    fn publish(subject: &str, reply: Option<&str>, payload: &[u8], headers: bool) -> Self {
        TraceOp {
            subject: subject.into(),
            reply: reply.map(Into::into),
            size: payload.len(),
            headers,
            ..Self::kind(OpKind::Pub)
        }
    }

    pub(super) fn of_client_op(op: &ClientOp<'_>) -> Self {
        match *op {
            ClientOp::Connect(_) => Self::kind(OpKind::Connect),
            ClientOp::Pub {
                subject,
                reply,
                payload,
            } => Self::publish(subject, reply, payload, false),
            ClientOp::HPub {
                subject,
                reply,
                payload,
                ..
            } => Self::publish(subject, reply, payload, true),
            ClientOp::Sub {
                subject,
                queue,
                sid,
            } => TraceOp {
                subject: subject.into(),
                queue: queue.map(Into::into),
                sid: Some(sid),
                ..Self::kind(OpKind::Sub)
            },
            ClientOp::Unsub { sid, .. } => TraceOp {
                sid: Some(sid),
                ..Self::kind(OpKind::Unsub)
            },
            ClientOp::Ping => Self::kind(OpKind::Ping),
            ClientOp::Pong => Self::kind(OpKind::Pong),
        }
    }

    pub(super) fn of_server_op(op: &ServerOp) -> Self {
        match op {
            ServerOp::Info(_) => Self::kind(OpKind::Info),
            ServerOp::Msg(msg) => TraceOp {
                subject: msg.subject.clone(),
                reply: msg.reply.clone(),
                sid: Some(msg.sid),
                size: msg.payload.len(),
                headers: msg.headers.is_some(),
                status: msg.headers.as_ref().and_then(|h| h.status()),
                ..Self::kind(OpKind::Msg)
            },
            ServerOp::Ping => Self::kind(OpKind::Ping),
            ServerOp::Pong => Self::kind(OpKind::Pong),
            ServerOp::Ok => Self::kind(OpKind::Ok),
            ServerOp::Err(_) => Self::kind(OpKind::Err),
        }
    }
}
