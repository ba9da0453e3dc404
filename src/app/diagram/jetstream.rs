//! JetStream on the diagram: requests to its API (`$JS.API.…`) and KV writes (`$KV.…`) are
//! named for what they do, and their answers come from nats-server itself (not from "other
//! clients"); a consumer's subscription (its deliveries carry `$JS.ACK.…` reply subjects) is
//! the lane of the KV watch or JetStream consumer it is.

use super::{short_subject, Builder};
use crate::app::state::trace_jetstream;

impl Builder {
    /// The label of a request on `subject` if it goes to JetStream (noting `reply`: its
    /// answer is the server's), else `None`.
    pub(super) fn jetstream_request(
        &mut self,
        subject: &str,
        reply: &str,
        size: &str,
    ) -> Option<String> {
        let what = match trace_jetstream::api_call(subject) {
            Some((verb, named)) => format!("JS API {verb} {}", short_subject(named)),
            None if subject.starts_with("$KV.") => format!("KV write {}", short_subject(subject)),
            None => return None,
        };
        self.jetstream_replies.insert(reply.to_owned(), ());
        Some(format!("{what} ↩ {}{size}", short_subject(reply)))
    }

    /// Whether `subject` is the reply subject of a JetStream request this connection sent.
    pub(super) fn is_jetstream_reply(&self, subject: &str) -> bool {
        self.jetstream_replies.contains(&subject.to_owned())
    }

    /// The label of a message on `subject` delivered to `lane` with `reply`, if it is a
    /// JetStream consumer's delivery; the lane is named after the consumer then.
    pub(super) fn consumer_delivery(
        &mut self,
        lane: usize,
        sid: u64,
        subject: &str,
        reply: &str,
    ) -> Option<String> {
        if !reply.starts_with("$JS.ACK.") {
            return None;
        }
        let bucket = subject
            .strip_prefix("$KV.")
            .and_then(|rest| rest.split_once('.'))
            .map(|(bucket, _)| bucket);
        if let Some(lane) = self.diagram.lanes.get_mut(lane) {
            match bucket {
                Some(bucket) => {
                    lane.label = format!("KV watch (sid {sid})");
                    lane.note = short_subject(&format!("$KV.{bucket}.>"));
                }
                None => lane.label = format!("JetStream consumer (sid {sid})"),
            }
        }
        let what = if bucket.is_some() { "KV entry" } else { "MSG" };
        Some(format!("{what} {}", short_subject(subject)))
    }
}
