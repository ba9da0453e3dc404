//! The JetStream API's errors, and the one reader of every API reply: a reply is either
//! `{"error": {...}}` or the answer itself (its `type` field is ignored).

use serde::de::DeserializeOwned;
use serde::Deserialize;

/// An error the JetStream API answered with: its HTTP-like `code` (400, 404, 503, ...), its
/// specific `err_code` (10059 "stream not found", ... see [`err_code`]; 0 from servers before
/// 2.3) and its description, exactly as the server sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, thiserror::Error)]
#[serde(default)]
#[error("{description} (code {code}, err_code {err_code})")]
pub struct ApiError {
    /// The HTTP-like status: 400 bad request, 404 not found, 503 unavailable, ...
    pub code: u16,
    /// JetStream's own error number (see [`err_code`]).
    pub err_code: u16,
    /// What the server said.
    pub description: String,
}

/// The `err_code`s a client acts on, as nats-server numbers them.
pub mod err_code {
    /// Consumer not found.
    pub const CONSUMER_NOT_FOUND: u16 = 10014;
    /// The account has no JetStream.
    pub const JETSTREAM_NOT_ENABLED_FOR_ACCOUNT: u16 = 10039;
    /// Message not found (`STREAM.MSG.GET`).
    pub const MESSAGE_NOT_FOUND: u16 = 10037;
    /// Stream name already in use with a different configuration.
    pub const STREAM_NAME_IN_USE: u16 = 10058;
    /// Stream not found.
    pub const STREAM_NOT_FOUND: u16 = 10059;
    /// `Nats-Expected-Stream` names another stream than the one that took the message.
    pub const STREAM_NOT_MATCH: u16 = 10060;
    /// `Nats-Expected-Last-Msg-Id` did not match.
    pub const WRONG_LAST_MSG_ID: u16 = 10070;
    /// `Nats-Expected-Last-Sequence` or `Nats-Expected-Last-Subject-Sequence` did not match.
    pub const WRONG_LAST_SEQUENCE: u16 = 10071;
    /// JetStream is not enabled on the server.
    pub const JETSTREAM_NOT_ENABLED: u16 = 10076;
}

/// Why a reply could not be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    /// The server answered with an API error.
    #[error("JetStream API error: {0}")]
    Api(ApiError),
    /// The reply is not JSON of the expected shape: what serde said.
    #[error("malformed JetStream reply: {0}")]
    Malformed(String),
}

/// The `error` member of a reply, if it has one; everything else is skipped.
#[derive(Deserialize)]
struct ErrorProbe {
    #[serde(default)]
    error: Option<ApiError>,
}

/// Reads a JetStream API reply: [`ResponseError::Api`] when it is `{"error": {...}}` (also
/// when other fields come with it, as in a failed publish's ack), else the answer as `T`.
/// Never panics, whatever the bytes.
pub fn read_response<T: DeserializeOwned>(payload: &[u8]) -> Result<T, ResponseError> {
    // serde would also read a struct from an array: every reply is an object.
    if payload.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ResponseError::Malformed(
            "not a JSON object (an empty reply?)".into(),
        ));
    }
    let probe: ErrorProbe = serde_json::from_slice(payload).map_err(malformed)?;
    if let Some(error) = probe.error {
        return Err(ResponseError::Api(error));
    }
    serde_json::from_slice(payload).map_err(malformed)
}

fn malformed(e: serde_json::Error) -> ResponseError {
    ResponseError::Malformed(e.to_string())
}

/// Why a configuration or request is not sent: a bad name, a bad subject in one of its
/// fields, or fields that do not go together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A stream or consumer name breaks the naming rule.
    #[error(transparent)]
    Name(#[from] super::stream::NameError),
    /// A subject in `field` (`subjects`, `filter_subject`, ...) is not a valid subject.
    #[error("{field}: {error}")]
    Subject {
        /// The field the subject is in.
        field: &'static str,
        /// What is wrong with it.
        error: crate::proto::validate::ValidationError,
    },
    /// Fields that do not go together: what to change.
    #[error("{0}")]
    Conflict(&'static str),
    /// `extra` holds a field the config models: the server would read one of the two copies.
    #[error("extra holds {0:?}, a field of the config itself: set that field instead")]
    ExtraShadowsField(String),
}

impl ConfigError {
    /// Refuses an `extra` map holding any of `modelled`, the names of the config's own fields.
    pub(crate) fn check_extra(
        extra: &serde_json::Map<String, serde_json::Value>,
        modelled: &[&str],
    ) -> Result<(), ConfigError> {
        match extra.keys().find(|key| modelled.contains(&key.as_str())) {
            Some(key) => Err(ConfigError::ExtraShadowsField(key.clone())),
            None => Ok(()),
        }
    }
}

impl ConfigError {
    /// Checks `subject`, in `field`, with `rule` ([`crate::proto::validate::subscribe_subject`]
    /// where wildcards are allowed, `publish_subject` where not).
    pub(crate) fn check(
        field: &'static str,
        subject: &str,
        rule: fn(&str) -> Result<(), crate::proto::validate::ValidationError>,
    ) -> Result<(), ConfigError> {
        rule(subject).map_err(|error| ConfigError::Subject { field, error })
    }
}

/// Serializes an `Unknown` enum value (one read from a newer server): it fails, saying what
/// to do, so that nothing this client cannot state is sent back.
pub(crate) fn refuse_unknown<T, S: serde::Serializer>(_: S) -> Result<S::Ok, S::Error> {
    let name = std::any::type_name::<T>();
    let name = name.rsplit("::").next().unwrap_or(name);
    Err(serde::ser::Error::custom(format!(
        "this configuration holds a {name} value this client does not know (it came from a \
         newer server): set that field to a known {name} before sending the configuration"
    )))
}
