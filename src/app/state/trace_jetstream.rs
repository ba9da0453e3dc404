//! JetStream in the protocol trace: which operations are JetStream's (its `$JS.API` requests,
//! KV writes to `$KV.…`, a consumer's deliveries with their `$JS.ACK.…` reply subjects, flow
//! control), so the trace and the diagram can say so; and the consumer's idle heartbeats,
//! which are counted instead of kept (the Greetings watch gets one every few seconds while
//! the bucket is quiet, and would otherwise push everything else out of the trace).

use nats_web::conn::{OpKind, TraceOp};

/// A `$JS.API.…` subject, or a domain's `$JS.<domain>.API.…`.
pub fn is_api(subject: &str) -> bool {
    let Some(rest) = subject.strip_prefix("$JS.") else {
        return false;
    };
    rest.starts_with("API.")
        || rest
            .split_once('.')
            .is_some_and(|(_, tail)| tail.starts_with("API."))
}

/// The JetStream API call of a `$JS.API.…` subject: its verb (the upper-case tokens,
/// `STREAM.INFO`) and what it names (`KV_greetings`, or nothing).
pub fn api_call(subject: &str) -> Option<(String, &str)> {
    if !is_api(subject) {
        return None;
    }
    let tail = subject.split_once("API.")?.1;
    let verb_tokens = tail
        .split('.')
        .take_while(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_uppercase()))
        .count();
    let mut tokens = tail.splitn(verb_tokens + 1, '.');
    let verb: Vec<&str> = tokens.by_ref().take(verb_tokens).collect();
    let named = tokens.next().unwrap_or_default();
    Some((verb.join("."), named))
}

/// The short tag the trace shows before a JetStream operation: `JetStream API`, `KV`,
/// `JetStream ack`, `flow control`, `KV watch` (a consumer delivering a KV entry),
/// `JetStream consumer`, `JetStream heartbeat`.
pub fn tag(op: &TraceOp) -> Option<&'static str> {
    let subject = op.subject.as_str();
    let reply = op.reply.as_deref().unwrap_or_default();
    if op.kind == OpKind::Msg && op.status.is_some_and(|s| s.as_u16() == 100) {
        return Some(if reply.is_empty() {
            "JetStream heartbeat"
        } else {
            "flow control"
        });
    }
    if is_api(subject) {
        Some("JetStream API")
    } else if reply.starts_with("$JS.ACK.") {
        Some(if subject.starts_with("$KV.") {
            "KV watch"
        } else {
            "JetStream consumer"
        })
    } else if subject.starts_with("$KV.") {
        Some("KV")
    } else if subject.starts_with("$JS.ACK.") {
        Some("JetStream ack")
    } else if subject.starts_with("$JS.FC.") {
        Some("flow control")
    } else {
        None
    }
}

/// A consumer's idle heartbeat: a status-100 message without a reply subject (a flow control
/// request has one, and must be answered: it is kept).
pub fn is_idle_heartbeat(op: &TraceOp) -> bool {
    op.kind == OpKind::Msg && op.reply.is_none() && op.status.is_some_and(|s| s.as_u16() == 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_calls_read_as_their_verb_and_what_they_name() {
        let call = |s| api_call(s).map(|(verb, named)| format!("{verb} {named}"));
        assert_eq!(
            call("$JS.API.STREAM.INFO.KV_greetings").as_deref(),
            Some("STREAM.INFO KV_greetings")
        );
        assert_eq!(
            call("$JS.API.CONSUMER.CREATE.KV_greetings.abc.$KV.greetings.>").as_deref(),
            Some("CONSUMER.CREATE KV_greetings.abc.$KV.greetings.>")
        );
        assert_eq!(call("$JS.API.INFO").as_deref(), Some("INFO "));
        assert_eq!(
            call("$JS.hub.API.STREAM.NAMES").as_deref(),
            Some("STREAM.NAMES ")
        );
        for not_api in [
            "$JS.ACK.x",
            "$KV.greetings.joe",
            "greet.joe",
            "$JS.",
            "",
            "$JS.API",
        ] {
            assert_eq!(api_call(not_api), None, "{not_api:?}");
        }
    }

    #[test]
    fn each_kind_of_jetstream_operation_has_its_tag_and_others_none() {
        use nats_web::conn::TraceLine;
        use nats_web::proto::{ClientOp, MsgOp, ServerOp};
        let publish = |subject: &str, reply: Option<&str>| {
            let op = ClientOp::Pub {
                subject,
                reply,
                payload: b"",
            };
            tag(&TraceLine::sent(&op).op)
        };
        let delivered = |subject: &str, reply: &str| {
            let op = ServerOp::Msg(MsgOp {
                subject: subject.into(),
                sid: 1,
                reply: Some(reply.into()),
                headers: None,
                raw_headers: None,
                header_error: None,
                payload: b"v".to_vec(),
            });
            tag(&TraceLine::received(&op).op)
        };
        let ack = "$JS.ACK.KV_greetings.c.1.2.2.0.0";
        assert_eq!(
            publish("$JS.API.STREAM.INFO.KV_greetings", Some("_INBOX.a.1")),
            Some("JetStream API")
        );
        assert_eq!(publish("$KV.greetings.joe", Some("_INBOX.a.2")), Some("KV"));
        assert_eq!(publish(ack, None), Some("JetStream ack"));
        assert_eq!(publish("$JS.FC.KV_greetings.x", None), Some("flow control"));
        assert_eq!(delivered("$KV.greetings.joe", ack), Some("KV watch"));
        assert_eq!(delivered("orders.1", ack), Some("JetStream consumer"));
        assert_eq!(publish("greet.joe", Some("_INBOX.a.3")), None);
        assert_eq!(delivered("greet.joe", "_INBOX.a.3"), None);
    }

    #[test]
    fn no_subject_panics() {
        for s in [
            "$JS.API.",
            "$JS.API..",
            "$JS.é.API.",
            "$JS.API.é",
            "$JS.x.API",
        ] {
            let _ = api_call(s);
        }
    }
}
