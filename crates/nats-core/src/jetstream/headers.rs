//! The header names JetStream reads on a publish and writes on what it delivers.

/// A publish's message id: a second publish with the same id within the stream's
/// `duplicate_window` is acknowledged as a duplicate and not stored again.
pub const MSG_ID: &str = "Nats-Msg-Id";
/// A publish is refused unless this stream would store it.
pub const EXPECTED_STREAM: &str = "Nats-Expected-Stream";
/// A publish is refused unless the stream's last sequence is this one.
pub const EXPECTED_LAST_SEQUENCE: &str = "Nats-Expected-Last-Sequence";
/// A publish is refused unless the last sequence on its subject is this one (0: the subject
/// has no message).
pub const EXPECTED_LAST_SUBJECT_SEQUENCE: &str = "Nats-Expected-Last-Subject-Sequence";
/// A publish is refused unless the stream's last message had this message id.
pub const EXPECTED_LAST_MSG_ID: &str = "Nats-Expected-Last-Msg-Id";
/// `sub` (the message replaces its subject's earlier ones) or `all` (the whole stream's).
pub const ROLLUP: &str = "Nats-Rollup";
/// Value of [`ROLLUP`]: roll up the subject.
pub const ROLLUP_SUBJECT: &str = "sub";
/// Value of [`ROLLUP`]: roll up the stream.
pub const ROLLUP_ALL: &str = "all";
/// On a direct get's reply: the stream.
pub const STREAM: &str = "Nats-Stream";
/// On a direct get's reply: the message's sequence.
pub const SEQUENCE: &str = "Nats-Sequence";
/// On a direct get's reply: when it was stored (RFC 3339).
pub const TIME_STAMP: &str = "Nats-Time-Stamp";
/// On a direct get's reply: its subject.
pub const SUBJECT: &str = "Nats-Subject";
/// On a direct get's reply: the last sequence of the stream (2.10+).
pub const LAST_SEQUENCE: &str = "Nats-Last-Sequence";
/// On a headers-only delivery: the payload's size.
pub const MSG_SIZE: &str = "Nats-Msg-Size";
/// On a consumer heartbeat: the last consumer sequence delivered.
pub const LAST_CONSUMER: &str = "Nats-Last-Consumer";
/// On a consumer heartbeat: the last stream sequence delivered.
pub const LAST_STREAM: &str = "Nats-Last-Stream";
/// On a consumer heartbeat: the subject to answer when flow control is stalled.
pub const CONSUMER_STALLED: &str = "Nats-Consumer-Stalled";
/// On a pull request's status: messages still pending for it.
pub const PENDING_MESSAGES: &str = "Nats-Pending-Messages";
/// On a pull request's status: bytes still pending for it.
pub const PENDING_BYTES: &str = "Nats-Pending-Bytes";
/// Key-value: `DEL` or `PURGE` on an entry that is a delete or a purge marker.
pub const KV_OPERATION: &str = "KV-Operation";
