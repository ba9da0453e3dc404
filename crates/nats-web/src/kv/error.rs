//! [`KvError`]: why a Key-Value operation failed, as a kind to match on, with the JetStream
//! error (and the server's code and description) behind it.

use std::fmt;

use nats_core::jetstream::ApiError;
use nats_core::kv::{InvalidConfig, InvalidName, NameKind, NotABucket};

use crate::jetstream::JetStreamError;

/// The server's error code for "wrong last sequence": an update's revision is not the key's
/// latest, or a create found a value.
pub(crate) const WRONG_LAST_SEQUENCE: u16 = 10071;
/// The server's error code for "stream not found".
pub(crate) const STREAM_NOT_FOUND: u16 = 10059;

/// What kind of failure a [`KvError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KvErrorKind {
    /// The key or watch filter is not one ADR-8 allows; nothing was sent.
    InvalidKey,
    /// The bucket name is not one ADR-8 allows, or the configuration cannot be sent (history
    /// out of 1..=64); nothing was sent.
    InvalidBucket,
    /// There is no such bucket (or the stream of that name is not a bucket).
    NotFound,
    /// `create`: the key holds a value already.
    KeyExists,
    /// `update`: the key's latest revision is not the one given (someone wrote it since).
    WrongLastRevision,
    /// The bucket is of a kind this client cannot use yet: a mirror of another bucket (ADR-8's
    /// leaf-node read replica), whose entries are stored under the origin's subjects. Nothing
    /// was read or written.
    Unsupported,
    /// Any other failure of the JetStream request: the server's API error, a timeout, no
    /// JetStream, the connection ([`KvError::jetstream_error`] says which).
    JetStream,
}

/// Why a Key-Value operation failed.
#[derive(Debug)]
pub struct KvError {
    kind: KvErrorKind,
    message: String,
    source: Option<JetStreamError>,
}

impl KvError {
    /// What kind of failure it is.
    pub fn kind(&self) -> KvErrorKind {
        self.kind
    }

    /// The JetStream error behind it, if a request failed.
    pub fn jetstream_error(&self) -> Option<&JetStreamError> {
        self.source.as_ref()
    }

    /// The server's API error (code, error code, description), if the server refused.
    pub fn api_error(&self) -> Option<&ApiError> {
        self.source.as_ref().and_then(JetStreamError::api_error)
    }

    pub(crate) fn new(kind: KvErrorKind, message: impl Into<String>) -> Self {
        KvError {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// A failed request, classified as `kind`, saying what was being done.
    pub(crate) fn request(kind: KvErrorKind, doing: &str, source: JetStreamError) -> Self {
        KvError {
            kind,
            message: format!("{doing}: {source}"),
            source: Some(source),
        }
    }

    /// A failed request: `NotFound` when the server says the stream does not exist, else
    /// `JetStream`.
    pub(crate) fn from_request(doing: &str, source: JetStreamError) -> Self {
        let kind = match source.api_error().map(|e| e.err_code) {
            Some(STREAM_NOT_FOUND) => KvErrorKind::NotFound,
            _ => KvErrorKind::JetStream,
        };
        KvError::request(kind, doing, source)
    }
}

/// The server's error code of a JetStream error, if the server answered with one.
pub(crate) fn err_code(error: &JetStreamError) -> Option<u16> {
    error.api_error().map(|e| e.err_code)
}

impl From<InvalidName> for KvError {
    fn from(e: InvalidName) -> Self {
        let kind = match e.kind {
            NameKind::Bucket => KvErrorKind::InvalidBucket,
            NameKind::Key | NameKind::WatchFilter => KvErrorKind::InvalidKey,
        };
        KvError::new(kind, format!("{e}; nothing was sent"))
    }
}

impl From<InvalidConfig> for KvError {
    fn from(e: InvalidConfig) -> Self {
        KvError::new(KvErrorKind::InvalidBucket, format!("{e}; nothing was sent"))
    }
}

impl From<NotABucket> for KvError {
    fn from(e: NotABucket) -> Self {
        KvError::new(KvErrorKind::NotFound, e.to_string())
    }
}

impl fmt::Display for KvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for KvError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
