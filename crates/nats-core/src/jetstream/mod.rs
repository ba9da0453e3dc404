//! JetStream's JSON API as data (feature `jetstream`): what a client sends to `$JS.API.>` and
//! reads back, with no I/O. `nats-web`'s `jetstream` module sends these over its connection;
//! native code can send them over a [`crate::Connection`] the same way.
//!
//! * [`api`]: the API subject prefix (default, domain, custom) and the subjects under it;
//! * [`error`]: the server's API errors and [`read_response`], the one reader of every reply;
//! * [`stream`], [`consumer`]: configurations and infos, names validated before sending;
//! * [`consumer_created`]: the little of a consumer's info the ordered consumer reads;
//! * [`publish`]: the [`PubAck`] a stream answers a publish with;
//! * [`headers`]: the header names JetStream reads and writes;
//! * [`message_info`]: a consumed message's metadata, from its `$JS.ACK` reply subject;
//! * [`direct`]: reading one stored message (direct get and `STREAM.MSG.GET`);
//! * [`ordered`]: the ordered consumer's state machine (ADR-17).
//!
//! Receiving is lenient and sending strict: every reader accepts the replies of nats-server
//! 2.9 and of 2.10 and later (unknown fields are ignored, missing ones take their defaults)
//! and returns an error, never a panic, on anything else; names and subjects are checked
//! before anything is written.
//!
//! # Time and durations
//!
//! Durations are [`std::time::Duration`]s, nanoseconds on the wire, zero meaning "not set"
//! (left out of what is sent). Points in time are `u64` nanoseconds since the Unix epoch
//! (RFC 3339 strings on the wire, read by [`time::parse_rfc3339`]); 0 means unknown.

pub mod api;
pub mod consumer;
pub mod consumer_created;
pub mod direct;
pub mod error;
pub mod headers;
pub mod message_info;
pub mod ordered;
pub mod publish;
pub mod stream;
pub mod time;
mod wire;

pub use api::ApiPrefix;
pub use consumer::{
    AckPolicy, ConsumerConfig, ConsumerInfo, CreateConsumerRequest, DeliverPolicy, NextRequest,
    PullStatus, ReplayPolicy, SequenceInfo,
};
pub use direct::{GetRequest, StoredMessage};
pub use error::{read_response, ApiError, ResponseError};
pub use message_info::MessageInfo;
pub use publish::PubAck;
pub use stream::{
    validate_stream_name, Discard, Retention, Storage, StreamConfig, StreamInfo, StreamState,
};

#[cfg(test)]
mod tests;
