//! Reading one stored message: direct get (`DIRECT.GET.<stream>`, ADR-31: any replica
//! answers, with the message itself and its metadata in headers) and `STREAM.MSG.GET.<stream>`
//! (the leader answers, with JSON carrying base64 headers and data). Both read into one
//! [`StoredMessage`].

use serde::{Deserialize, Serialize};

use super::error::{err_code, read_response, ApiError, ConfigError, ResponseError};
use super::headers;
use super::time::parse_rfc3339;
use crate::conn::encoding::base64_decode;
use crate::proto::validate::subscribe_subject;
use crate::proto::{HeaderMap, StatusCode};

/// Which message to get: the body of a direct get or a `STREAM.MSG.GET`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GetRequest {
    /// The message with this sequence (or, with `next_by_subj`, the first from it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// The last message on this subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_by_subj: Option<String>,
    /// The first message on this subject from `seq` on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_by_subj: Option<String>,
}

impl GetRequest {
    /// The message with sequence `seq`.
    pub fn sequence(seq: u64) -> Self {
        GetRequest {
            seq: Some(seq),
            ..GetRequest::default()
        }
    }

    /// The last message on `subject` (a key-value entry's current value).
    pub fn last_by_subject(subject: impl Into<String>) -> Self {
        GetRequest {
            last_by_subj: Some(subject.into()),
            ..GetRequest::default()
        }
    }

    /// The first message on `subject` at or after sequence `from`.
    pub fn next_by_subject(subject: impl Into<String>, from: u64) -> Self {
        GetRequest {
            seq: Some(from),
            next_by_subj: Some(subject.into()),
            ..GetRequest::default()
        }
    }

    /// Checks the request before it is sent: something to get (`seq`, `last_by_subj` or
    /// `next_by_subj`), `last_by_subj` alone; the subjects valid (`next_by_subj` may have wildcards,
    /// `last_by_subj` too on nats-server 2.10 and later).
    pub fn validate(&self) -> Result<(), ConfigError> {
        match (self.seq, &self.last_by_subj, &self.next_by_subj) {
            (None, None, None) => Err(ConfigError::Conflict(
                "an empty get request: set seq, last_by_subj or next_by_subj",
            )),
            (Some(_), Some(_), _) | (None, Some(_), Some(_)) => Err(ConfigError::Conflict(
                "a get request takes either seq (with next_by_subj) or last_by_subj, not both",
            )),
            (_, last, next) => {
                for (field, subject) in [("last_by_subj", last), ("next_by_subj", next)] {
                    if let Some(subject) = subject {
                        ConfigError::check(field, subject, subscribe_subject)?;
                    }
                }
                Ok(())
            }
        }
    }

    /// The request as JSON.
    pub fn to_json(&self) -> Vec<u8> {
        // A struct of options and strings always serializes.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// A message as a stream stored it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredMessage {
    /// Its subject.
    pub subject: String,
    /// Its sequence in the stream.
    pub sequence: u64,
    /// When it was stored (Unix nanoseconds; 0 if the server did not say).
    pub time: u64,
    /// Its headers (empty if it had none). A direct get's also has the server's
    /// `Nats-Stream`, `Nats-Sequence`, `Nats-Time-Stamp` and `Nats-Subject`.
    pub headers: HeaderMap,
    /// Its payload.
    pub payload: Vec<u8>,
}

/// Why a get found no message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GetError {
    /// There is no such message (direct get: status 404; `STREAM.MSG.GET`: err_code 10037).
    #[error("no such message in the stream")]
    NotFound,
    /// The server refused the request (a direct get's status other than 404, such as 408
    /// "Bad Request", is here with err_code 0).
    #[error("JetStream API error: {0}")]
    Api(ApiError),
    /// The reply is not a stored message: what is wrong with it.
    #[error("malformed get reply: {0}")]
    Malformed(String),
}

impl StoredMessage {
    /// Reads a direct get's reply from its headers and payload.
    pub fn from_direct(headers: Option<&HeaderMap>, payload: &[u8]) -> Result<Self, GetError> {
        let headers = headers.ok_or_else(|| GetError::Malformed("no headers".into()))?;
        match headers.status() {
            Some(StatusCode::NOT_FOUND) => return Err(GetError::NotFound),
            Some(status) => {
                return Err(GetError::Api(ApiError {
                    code: status.as_u16(),
                    err_code: 0,
                    description: headers.description().unwrap_or_default().to_owned(),
                }))
            }
            None => {}
        }
        let required = |name: &str| {
            headers
                .get(name)
                .ok_or_else(|| GetError::Malformed(format!("no {name} header")))
        };
        let subject = required(headers::SUBJECT)?.to_owned();
        let sequence = required(headers::SEQUENCE)?
            .trim()
            .parse()
            .map_err(|_| GetError::Malformed("Nats-Sequence is not a number".into()))?;
        let time = headers
            .get(headers::TIME_STAMP)
            .and_then(parse_rfc3339)
            .unwrap_or(0);
        Ok(StoredMessage {
            subject,
            sequence,
            time,
            headers: headers.clone(),
            payload: payload.to_vec(),
        })
    }

    /// Reads a `STREAM.MSG.GET` reply (JSON).
    pub fn from_msg_get(payload: &[u8]) -> Result<Self, GetError> {
        let reply: MsgGetReply = read_response(payload).map_err(|e| match e {
            ResponseError::Api(api) if api.err_code == err_code::MESSAGE_NOT_FOUND => {
                GetError::NotFound
            }
            ResponseError::Api(api) => GetError::Api(api),
            ResponseError::Malformed(why) => GetError::Malformed(why),
        })?;
        let message = reply.message;
        let decode = |what: &str, text: Option<String>| match text {
            None => Ok(Vec::new()),
            Some(text) => base64_decode(&text)
                .ok_or_else(|| GetError::Malformed(format!("{what} is not base64"))),
        };
        let header_block = decode("hdrs", message.hdrs)?;
        let headers = if header_block.is_empty() {
            HeaderMap::new()
        } else {
            HeaderMap::decode_lenient(&header_block).0
        };
        Ok(StoredMessage {
            subject: message.subject,
            sequence: message.seq,
            time: message.time.as_deref().and_then(parse_rfc3339).unwrap_or(0),
            headers,
            payload: decode("data", message.data)?,
        })
    }
}

/// `{"message": {...}}`, `STREAM.MSG.GET`'s answer.
#[derive(Deserialize)]
struct MsgGetReply {
    message: RawStoredMessage,
}

#[derive(Deserialize)]
struct RawStoredMessage {
    subject: String,
    seq: u64,
    #[serde(default)]
    hdrs: Option<String>,
    #[serde(default)]
    data: Option<String>,
    #[serde(default)]
    time: Option<String>,
}
