//! A consumed message's metadata, from the reply subject JetStream delivers it with (ADR-15):
//!
//! * `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>`
//!   (9 tokens, servers before 2.9);
//! * `$JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<delivered>.<stream seq>.<consumer
//!   seq>.<time>.<pending>[.<token>...]` (11 or more tokens; domain `_` means none).

/// What JetStream says about a message it delivered: which stream and consumer, its
/// sequences, how often it was delivered, when it was stored and what is left.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageInfo {
    /// The JetStream domain (`None`: none, or the old form).
    pub domain: Option<String>,
    /// The account's hash (new form only).
    pub account_hash: Option<String>,
    /// The stream.
    pub stream: String,
    /// The consumer.
    pub consumer: String,
    /// Deliveries of this message so far, this one included.
    pub delivered: u64,
    /// Its sequence in the stream.
    pub stream_sequence: u64,
    /// Its sequence in the consumer (gaps mean missed deliveries).
    pub consumer_sequence: u64,
    /// When it was stored (Unix nanoseconds).
    pub timestamp_nanos: u64,
    /// Messages left for the consumer after this one.
    pub pending: u64,
}

impl MessageInfo {
    /// Reads a `$JS.ACK...` reply subject; `None` for anything else (never a panic).
    pub fn from_reply(reply: &str) -> Option<Self> {
        let mut tokens = reply.split('.');
        if tokens.next()? != "$JS" || tokens.next()? != "ACK" {
            return None;
        }
        let rest: Vec<&str> = tokens.collect();
        let (domain, account_hash, fields) = match rest.len() {
            7 => (None, None, rest.as_slice()),
            n if n >= 9 => {
                let (head, fields) = rest.split_at(2);
                let domain = head.first().filter(|d| **d != "_" && !d.is_empty());
                (
                    domain.map(|d| (*d).to_owned()),
                    head.get(1).map(|h| (*h).to_owned()),
                    fields,
                )
            }
            _ => return None,
        };
        let [stream, consumer, delivered, stream_seq, consumer_seq, time, pending, ..] = fields
        else {
            return None;
        };
        if stream.is_empty() || consumer.is_empty() {
            return None;
        }
        Some(MessageInfo {
            domain,
            account_hash,
            stream: (*stream).to_owned(),
            consumer: (*consumer).to_owned(),
            delivered: delivered.parse().ok()?,
            stream_sequence: stream_seq.parse().ok()?,
            consumer_sequence: consumer_seq.parse().ok()?,
            timestamp_nanos: time.parse().ok()?,
            pending: pending.parse().ok()?,
        })
    }
}
