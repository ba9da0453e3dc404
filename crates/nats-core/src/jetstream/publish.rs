//! What a stream answers a publish with.

use serde::{Deserialize, Serialize};

/// A stream's acknowledgement of a publish: it is stored (or was already, within the
/// stream's duplicate window, under the same `Nats-Msg-Id`: `duplicate`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PubAck {
    /// The stream that stored it.
    pub stream: String,
    /// Its sequence in that stream (the first one's, for a duplicate).
    pub seq: u64,
    /// It was a duplicate: stored before, not stored again.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub duplicate: bool,
    /// The JetStream domain, if the server is in one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}
