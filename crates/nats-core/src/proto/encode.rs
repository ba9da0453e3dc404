//! Writing operations into a caller-owned buffer. The encoder trusts its input: subjects, queue
//! groups and headers are checked by [`super::validate`] and [`super::HeaderMap`] when a command
//! is given, before anything reaches here.

use super::{json, ClientOp, MsgOp, ServerOp};

impl ClientOp<'_> {
    /// Appends the wire form of this op, CRLFs included, to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match *self {
            ClientOp::Connect(info) => {
                out.extend_from_slice(b"CONNECT ");
                json::write_connect_info(info, out);
                out.extend_from_slice(b"\r\n");
            }
            ClientOp::Pub {
                subject,
                reply,
                payload,
            } => {
                line_start(out, b"PUB ", subject, reply);
                push_number(out, payload.len() as u64);
                out.extend_from_slice(b"\r\n");
                push_body(out, payload);
            }
            ClientOp::HPub {
                subject,
                reply,
                headers,
                payload,
            } => {
                let hdr_len = headers.encoded_len();
                line_start(out, b"HPUB ", subject, reply);
                push_number(out, hdr_len as u64);
                out.push(b' ');
                push_number(out, (hdr_len + payload.len()) as u64);
                out.extend_from_slice(b"\r\n");
                headers.encode(out);
                push_body(out, payload);
            }
            ClientOp::Sub {
                subject,
                queue,
                sid,
            } => {
                line_start(out, b"SUB ", subject, queue);
                push_number(out, sid);
                out.extend_from_slice(b"\r\n");
            }
            ClientOp::Unsub { sid, max } => {
                out.extend_from_slice(b"UNSUB ");
                push_number(out, sid);
                if let Some(max) = max {
                    out.push(b' ');
                    push_number(out, max);
                }
                out.extend_from_slice(b"\r\n");
            }
            ClientOp::Ping => out.extend_from_slice(b"PING\r\n"),
            ClientOp::Pong => out.extend_from_slice(b"PONG\r\n"),
        }
    }
}

impl ServerOp {
    /// Appends the wire form a server would send. Used by tests, fuzzing and benchmarks to
    /// produce input for the parser.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            ServerOp::Info(info) => {
                out.extend_from_slice(b"INFO ");
                json::write_server_info(info, out);
                out.extend_from_slice(b" \r\n");
            }
            ServerOp::Msg(MsgOp {
                subject,
                sid,
                reply,
                headers,
                raw_headers,
                header_error: _,
                payload,
            }) => {
                // The server forwards a header block as it received it.
                let block = raw_headers.clone().or_else(|| {
                    headers.as_ref().map(|h| {
                        let mut block = Vec::with_capacity(h.encoded_len());
                        h.encode(&mut block);
                        block
                    })
                });
                let verb: &[u8] = if block.is_some() { b"HMSG " } else { b"MSG " };
                out.extend_from_slice(verb);
                out.extend_from_slice(subject.as_bytes());
                out.push(b' ');
                push_number(out, *sid);
                out.push(b' ');
                if let Some(reply) = reply {
                    out.extend_from_slice(reply.as_bytes());
                    out.push(b' ');
                }
                if let Some(block) = block {
                    push_number(out, block.len() as u64);
                    out.push(b' ');
                    push_number(out, (block.len() + payload.len()) as u64);
                    out.extend_from_slice(b"\r\n");
                    out.extend_from_slice(&block);
                } else {
                    push_number(out, payload.len() as u64);
                    out.extend_from_slice(b"\r\n");
                }
                push_body(out, payload);
            }
            ServerOp::Ping => out.extend_from_slice(b"PING\r\n"),
            ServerOp::Pong => out.extend_from_slice(b"PONG\r\n"),
            ServerOp::Ok => out.extend_from_slice(b"+OK\r\n"),
            ServerOp::Err(text) => {
                out.extend_from_slice(b"-ERR '");
                out.extend_from_slice(text.as_bytes());
                out.extend_from_slice(b"'\r\n");
            }
        }
    }
}

/// Writes `VERB subject [extra] ` (the trailing space precedes the numbers).
fn line_start(out: &mut Vec<u8>, verb: &[u8], subject: &str, extra: Option<&str>) {
    out.extend_from_slice(verb);
    out.extend_from_slice(subject.as_bytes());
    out.push(b' ');
    if let Some(extra) = extra {
        out.extend_from_slice(extra.as_bytes());
        out.push(b' ');
    }
}

fn push_body(out: &mut Vec<u8>, payload: &[u8]) {
    out.extend_from_slice(payload);
    out.extend_from_slice(b"\r\n");
}

/// Writes a decimal number without going through `fmt`.
pub(super) fn push_number(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(Decimal::new(n).as_bytes());
}

/// A number's decimal digits, written without `fmt` (for the hot path: sizes, sids, request
/// tokens).
pub struct Decimal {
    digits: [u8; 20],
    start: usize,
}

impl Decimal {
    /// The digits of `n`.
    pub fn new(mut n: u64) -> Self {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        Decimal { digits, start }
    }

    /// The digits, as ASCII bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.digits[self.start..]
    }

    /// The digits as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).unwrap_or("0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{ConnectInfo, HeaderMap};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn encoded(op: ClientOp<'_>) -> String {
        let mut out = Vec::new();
        op.encode(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn client_ops_have_their_documented_wire_form() {
        let pub_ = ClientOp::Pub {
            subject: "greet.joe",
            reply: Some("_INBOX.x.1"),
            payload: b"hi",
        };
        assert_eq!(encoded(pub_), "PUB greet.joe _INBOX.x.1 2\r\nhi\r\n");
        let empty = ClientOp::Pub {
            subject: "a",
            reply: None,
            payload: b"",
        };
        assert_eq!(encoded(empty), "PUB a 0\r\n\r\n");
        let sub = ClientOp::Sub {
            subject: "greet.*",
            queue: None,
            sid: 1,
        };
        assert_eq!(encoded(sub), "SUB greet.* 1\r\n");
        let qsub = ClientOp::Sub {
            subject: "q",
            queue: Some("workers"),
            sid: 12,
        };
        assert_eq!(encoded(qsub), "SUB q workers 12\r\n");
        assert_eq!(
            encoded(ClientOp::Unsub { sid: 7, max: None }),
            "UNSUB 7\r\n"
        );
        assert_eq!(
            encoded(ClientOp::Unsub {
                sid: 7,
                max: Some(10)
            }),
            "UNSUB 7 10\r\n"
        );
        assert_eq!(encoded(ClientOp::Ping), "PING\r\n");
        assert_eq!(encoded(ClientOp::Pong), "PONG\r\n");
    }

    #[test]
    fn hpub_counts_header_bytes_and_total_bytes() {
        let mut headers = HeaderMap::new();
        headers.append("A", "b").unwrap();
        let op = ClientOp::HPub {
            subject: "s",
            reply: None,
            headers: &headers,
            payload: b"xyz",
        };
        // "NATS/1.0\r\nA: b\r\n\r\n" is 18 bytes.
        assert_eq!(
            encoded(op),
            "HPUB s 18 21\r\nNATS/1.0\r\nA: b\r\n\r\nxyz\r\n"
        );
    }

    #[test]
    fn connect_sends_verbose_and_pedantic_off_explicitly() {
        let info = ConnectInfo {
            lang: "rust".into(),
            version: "0.1.0".into(),
            protocol: 1,
            headers: true,
            no_responders: true,
            ..Default::default()
        };
        let line = encoded(ClientOp::Connect(&info));
        assert!(
            line.starts_with("CONNECT {") && line.ends_with("}\r\n"),
            "{line}"
        );
        for field in [
            "\"verbose\":false",
            "\"pedantic\":false",
            "\"protocol\":1",
            "\"headers\":true",
            "\"no_responders\":true",
        ] {
            assert!(line.contains(field), "{field} missing from {line}");
        }
        assert!(
            !line.contains("auth_token"),
            "unset credentials are left out: {line}"
        );
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in [0u64, 7, 10, 4096, u64::MAX] {
            let mut out = Vec::new();
            push_number(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
            assert_eq!(Decimal::new(n).as_str(), n.to_string());
        }
    }
}
