//! "Ask all": one request to `greet.<name>` with `request_many`, listing every reply with who
//! sent it and when.

use std::time::Duration;

use futures::StreamExt;
use web_time::Instant;

use super::Playground;
use crate::app::display;
use crate::app::example::elapsed_ms;
use crate::app::state::{Action, AskReply};
use nats_web::client::ResponsesEnd;
use nats_web::proto::HeaderMap;
use nats_web::service::{NATS_SERVICE_ERROR, NATS_SERVICE_ERROR_CODE};

/// How long "Ask all" waits in all (the discovery default of ADR-32).
pub const ASK_ALL_WAIT: Duration = Duration::from_secs(1);
/// "Ask all" ends early when no further reply came for this long after the last one.
pub const ASK_ALL_STALL: Duration = Duration::from_millis(300);

impl Playground {
    /// Sends one request to `greet.<name>` and lists every reply until none came for
    /// [`ASK_ALL_STALL`] or [`ASK_ALL_WAIT`] passed. A reply this page's greet service sent is
    /// named so; any other came from another client.
    pub async fn ask_all(&self, name: String) {
        let Some((client, subject)) = self.greet_target(&name) else {
            return;
        };
        let id = self.asks.get() + 1;
        self.asks.set(id);
        self.report.emit(Action::AskAllSent(id, subject.clone()));
        let started = Instant::now();
        let request = client
            .request_many(subject, "")
            .max_wait(ASK_ALL_WAIT)
            .stall(ASK_ALL_STALL);
        let mut replies = match request.await {
            Ok(replies) => replies,
            Err(e) => {
                return self
                    .report
                    .emit(Action::AskAllEnded(id, display::error(&e), true))
            }
        };
        while let Some(reply) = replies.next().await {
            match reply {
                Ok(msg) => {
                    let ours = self.take_answered(&msg.subject, &msg.payload);
                    self.report.emit(Action::AskAllReply(
                        id,
                        AskReply {
                            text: reply_text(msg.headers.as_ref(), &msg.payload),
                            responder: if ours {
                                format!("this page's {}", self.responder_name())
                            } else {
                                "another client".into()
                            },
                            after: elapsed_ms(started),
                        },
                    ));
                }
                Err(e) => {
                    return self.report.emit(Action::AskAllEnded(
                        id,
                        format!("{} ({})", display::error(&e), elapsed_ms(started)),
                        true,
                    ))
                }
            }
        }
        let why = match replies.end() {
            // Words, not Duration arithmetic: formatting a u128 adds 1.4 KB of wasm.
            Some(ResponsesEnd::Stall) => "done: no further reply within 300 ms".to_owned(),
            Some(ResponsesEnd::MaxWait) => "done: waited 1 s in all".to_owned(),
            Some(end) => end.to_string(),
            None => "done".into(),
        };
        let failed = replies.end().and_then(ResponsesEnd::failure).is_some();
        self.report.emit(Action::AskAllEnded(id, why, failed));
    }
}

/// A reply as the list shows it: its payload, or for a service's error reply (ADR-32: the
/// `Nats-Service-Error-Code` and `Nats-Service-Error` headers) the error; shortened either way.
fn reply_text(headers: Option<&HeaderMap>, payload: &[u8]) -> String {
    let header = |name| headers.and_then(|h| h.get(name));
    match header(NATS_SERVICE_ERROR_CODE) {
        Some(code) => format!(
            "service error {}: {}",
            display::subject(code),
            display::subject(header(NATS_SERVICE_ERROR).unwrap_or_default())
        ),
        None => display::payload(payload),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_shows_its_payload_or_a_services_error_each_shortened() {
        assert_eq!(reply_text(None, b"hello, ann"), "hello, ann");
        let mut h = HeaderMap::new();
        h.insert(NATS_SERVICE_ERROR_CODE, "400").unwrap();
        h.insert(NATS_SERVICE_ERROR, "x".repeat(500)).unwrap();
        let shown = reply_text(Some(&h), b"");
        assert!(shown.starts_with("service error 400: xxx"), "{shown}");
        assert!(shown.ends_with("… (500 B)"), "{shown}");
        assert!(shown.len() < 120, "{shown}");
    }
}
