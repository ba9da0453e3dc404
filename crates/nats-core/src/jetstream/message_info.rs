//! STAND-IN until helper A's skeleton lands (replaced by A's message_info.rs at the merge).
#![allow(missing_docs)]

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessageInfo {
    pub domain: Option<String>,
    pub stream: String,
    pub consumer: String,
    pub delivered: u64,
    pub stream_sequence: u64,
    pub consumer_sequence: u64,
    pub timestamp_nanos: u64,
    pub pending: u64,
}

impl MessageInfo {
    /// `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>` or the 12+ form
    /// `$JS.ACK.<domain>.<hash>.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>[.<token>]`.
    pub fn from_reply(reply: &str) -> Option<Self> {
        let t: Vec<&str> = reply.split('.').collect();
        if t.first() != Some(&"$JS") || t.get(1) != Some(&"ACK") {
            return None;
        }
        let (domain, rest) = match t.len() {
            9 => (None, t.get(2..)?),
            n if n >= 11 => {
                let d = *t.get(2)?;
                ((d != "_").then(|| d.to_owned()), t.get(4..)?)
            }
            _ => return None,
        };
        let n = |i: usize| rest.get(i).and_then(|s| s.parse::<u64>().ok());
        Some(MessageInfo {
            domain,
            stream: (*rest.first()?).to_owned(),
            consumer: (*rest.get(1)?).to_owned(),
            delivered: n(2)?,
            stream_sequence: n(3)?,
            consumer_sequence: n(4)?,
            timestamp_nanos: n(5)?,
            pending: n(6)?,
        })
    }
}
