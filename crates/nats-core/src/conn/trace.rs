//! One-line summaries of protocol operations, for a protocol trace a person can read: the
//! control line as on the wire, the body shortened, credentials hidden.

use crate::proto::{json, ClientOp, ConnectInfo, MsgOp, Quoted, ServerOp};

mod op;

pub use op::{OpKind, TraceOp};

/// Which way an operation went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From this client to the server.
    Sent,
    /// From the server to this client.
    Received,
}

/// One operation of the protocol trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceLine {
    /// Which way it went.
    pub direction: Direction,
    /// The control line, with a shortened preview of the body.
    pub line: String,
    /// The operation's parts, for a page that draws the protocol instead of printing it.
    pub op: TraceOp,
}

impl TraceLine {
    /// The trace line of an operation this client sends.
    pub fn sent(op: &ClientOp<'_>) -> Self {
        TraceLine {
            direction: Direction::Sent,
            line: client_op_line(op),
            op: TraceOp::of_client_op(op),
        }
    }

    /// The trace line of an operation this client received.
    pub fn received(op: &ServerOp) -> Self {
        TraceLine {
            direction: Direction::Received,
            line: server_op_line(op),
            op: TraceOp::of_server_op(op),
        }
    }
}

/// Longest preview of a body or JSON document.
const PREVIEW: usize = 48;

/// Summarises an operation we send.
pub fn client_op_line(op: &ClientOp<'_>) -> String {
    match *op {
        ClientOp::Connect(info) => {
            let redacted = ConnectInfo {
                auth_token: info.auth_token.as_ref().map(|_| "***".into()),
                pass: info.pass.as_ref().map(|_| "***".into()),
                // A bearer JWT is a credential on its own.
                jwt: info.jwt.as_ref().map(|_| "***".into()),
                sig: info.sig.as_ref().map(|_| "***".into()),
                ..info.clone()
            };
            let json = json::connect_info_string(&redacted);
            format!("CONNECT {}", shorten(&json, 6 * PREVIEW))
        }
        ClientOp::Pub {
            subject,
            reply,
            payload,
        } => with_body(
            format!("PUB {subject}{} {}", opt(reply), payload.len()),
            payload,
        ),
        ClientOp::HPub {
            subject,
            reply,
            headers,
            payload,
        } => {
            let hdr = headers.encoded_len();
            with_body(
                format!("HPUB {subject}{} {hdr} {}", opt(reply), hdr + payload.len()),
                payload,
            )
        }
        ClientOp::Sub {
            subject,
            queue,
            sid,
        } => format!("SUB {subject}{} {sid}", opt(queue)),
        ClientOp::Unsub { sid, max } => match max {
            Some(max) => format!("UNSUB {sid} {max}"),
            None => format!("UNSUB {sid}"),
        },
        ClientOp::Ping => "PING".into(),
        ClientOp::Pong => "PONG".into(),
    }
}

/// Summarises an operation we received.
pub fn server_op_line(op: &ServerOp) -> String {
    match op {
        ServerOp::Info(info) => {
            let json = json::server_info_string(info);
            format!("INFO {}", shorten(&json, 2 * PREVIEW))
        }
        ServerOp::Msg(MsgOp {
            subject,
            sid,
            reply,
            headers,
            payload,
            ..
        }) => match headers {
            None => with_body(
                format!(
                    "MSG {subject} {sid}{} {}",
                    opt(reply.as_deref()),
                    payload.len()
                ),
                payload,
            ),
            Some(h) => {
                let hdr = h.encoded_len();
                let mut line = format!(
                    "HMSG {subject} {sid}{} {hdr} {}",
                    opt(reply.as_deref()),
                    hdr + payload.len()
                );
                if let Some(status) = h.status() {
                    line.push_str(&format!(" [status {status}]"));
                }
                with_body(line, payload)
            }
        },
        ServerOp::Ping => "PING".into(),
        ServerOp::Pong => "PONG".into(),
        ServerOp::Ok => "+OK".into(),
        ServerOp::Err(text) => format!("-ERR '{text}'"),
    }
}

fn opt(s: Option<&str>) -> String {
    s.map(|s| format!(" {s}")).unwrap_or_default()
}

fn with_body(mut line: String, payload: &[u8]) -> String {
    if !payload.is_empty() {
        let preview = shorten(&String::from_utf8_lossy(payload), PREVIEW);
        line.push_str(&format!(" {}", Quoted(&preview)));
    }
    line
}

fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{HeaderMap, StatusCode};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn lines_read_like_the_wire_with_short_bodies() {
        let op = ClientOp::Pub {
            subject: "greet.joe",
            reply: Some("_INBOX.x.1"),
            payload: b"",
        };
        assert_eq!(client_op_line(&op), "PUB greet.joe _INBOX.x.1 0");
        let op = ClientOp::Sub {
            subject: "greet.*",
            queue: None,
            sid: 1,
        };
        assert_eq!(client_op_line(&op), "SUB greet.* 1");
        let msg = ServerOp::Msg(MsgOp {
            subject: "_INBOX.x.1".into(),
            sid: 2,
            reply: None,
            headers: None,
            raw_headers: None,
            header_error: None,
            payload: b"hello, joe".to_vec(),
        });
        assert_eq!(server_op_line(&msg), "MSG _INBOX.x.1 2 10 \"hello, joe\"");
        let long = ServerOp::Msg(MsgOp {
            subject: "a".into(),
            sid: 1,
            reply: None,
            headers: None,
            raw_headers: None,
            header_error: None,
            payload: vec![b'z'; 1000],
        });
        assert!(server_op_line(&long).len() < 80);
    }

    #[test]
    fn no_responders_shows_its_status() {
        let mut h = HeaderMap::new();
        h.set_status(StatusCode::NO_RESPONDERS, None);
        let op = ServerOp::Msg(MsgOp {
            subject: "_INBOX.x.4".into(),
            sid: 2,
            reply: None,
            headers: Some(h),
            raw_headers: None,
            header_error: None,
            payload: vec![],
        });
        assert_eq!(server_op_line(&op), "HMSG _INBOX.x.4 2 16 16 [status 503]");
    }

    #[test]
    fn trace_lines_carry_the_parts_a_sequence_diagram_draws() {
        let request = TraceLine::sent(&ClientOp::Pub {
            subject: "greet.joe",
            reply: Some("_INBOX.x.1"),
            payload: b"hi",
        });
        assert_eq!(request.direction, Direction::Sent);
        assert_eq!(request.line, "PUB greet.joe _INBOX.x.1 2 \"hi\"");
        assert_eq!(
            request.op,
            TraceOp {
                subject: "greet.joe".into(),
                reply: Some("_INBOX.x.1".into()),
                size: 2,
                ..TraceOp::kind(OpKind::Pub)
            }
        );
        let sub = TraceLine::sent(&ClientOp::Sub {
            subject: "greet.*",
            queue: Some("q"),
            sid: 3,
        });
        assert_eq!(
            (sub.op.kind, sub.op.queue.as_deref(), sub.op.sid),
            (OpKind::Sub, Some("q"), Some(3))
        );
        let mut h = HeaderMap::new();
        h.set_status(StatusCode::NO_RESPONDERS, None);
        let no_responders = TraceLine::received(&ServerOp::Msg(MsgOp {
            subject: "_INBOX.x.4".into(),
            sid: 2,
            reply: None,
            headers: Some(h),
            raw_headers: None,
            header_error: None,
            payload: vec![],
        }));
        assert_eq!(no_responders.direction, Direction::Received);
        assert_eq!(
            no_responders.op,
            TraceOp {
                subject: "_INBOX.x.4".into(),
                sid: Some(2),
                headers: true,
                status: Some(StatusCode::NO_RESPONDERS),
                ..TraceOp::kind(OpKind::Msg)
            }
        );
        assert_eq!(TraceLine::received(&ServerOp::Ok).op.kind, OpKind::Ok);
    }

    #[test]
    fn credentials_never_reach_the_trace() {
        let info = ConnectInfo {
            auth_token: Some("tok".into()),
            user: Some("alice".into()),
            pass: Some("pw".into()),
            jwt: Some("eyJhead.eyJclaims.c2ln".into()),
            ..Default::default()
        };
        let line = client_op_line(&ClientOp::Connect(&info));
        assert!(!line.contains("tok\"") && !line.contains("pw"), "{line}");
        assert!(!line.contains("eyJ"), "{line}");
        assert!(line.contains("alice"));
    }
}
