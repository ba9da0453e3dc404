//! [`JetStreamError`]: every JetStream call's error, with a kind to match on, the server's
//! API error when it sent one, and a message that says what happened and what to do.

use nats_core::jetstream::error::ResponseError;
use nats_core::jetstream::stream::NameError;
use nats_core::jetstream::ApiError;

use crate::client::{Error as ClientError, ErrorKind as ClientErrorKind};
use crate::client::{RequestError, RequestErrorKind};

/// What kind of failure a [`JetStreamError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JetStreamErrorKind {
    /// The server answered with an API error ([`JetStreamError::api_error`] has its code,
    /// err_code and description): stream not found, wrong last sequence, ...
    Api,
    /// No answer within the timeout ([`super::Context::timeout`]).
    Timeout,
    /// Nobody answered: JetStream is not enabled on the server (or not for this account, or
    /// the domain or prefix is wrong), or, for a publish, no stream stores its subject.
    NoResponders,
    /// The connection is closed, draining, lost while waiting, or its buffer is full.
    Connection,
    /// The server refused this user a subject the call needs (to publish to, to subscribe
    /// to for the reply): the message names it; the user's permissions must allow it.
    PermissionDenied,
    /// The answer could not be read (not the JSON or the message expected).
    Malformed,
    /// Refused before anything was sent: an invalid name, subject, domain or prefix.
    InvalidArgument,
}

/// A JetStream call that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct JetStreamError {
    kind: JetStreamErrorKind,
    message: String,
    api: Option<ApiError>,
}

impl JetStreamError {
    /// An error of `kind` saying `message` (for code built on this module, such as the
    /// key-value store's).
    pub fn new(kind: JetStreamErrorKind, message: impl Into<String>) -> Self {
        JetStreamError {
            kind,
            message: message.into(),
            api: None,
        }
    }

    /// The server's API error, as an error of kind [`JetStreamErrorKind::Api`]; `context`
    /// says what was asked (`creating stream orders`).
    pub fn api(error: ApiError, context: &str) -> Self {
        JetStreamError {
            kind: JetStreamErrorKind::Api,
            message: format!("{context}: {error}"),
            api: Some(error),
        }
    }

    /// What kind of failure it is.
    pub fn kind(&self) -> JetStreamErrorKind {
        self.kind
    }

    /// The server's API error (code, err_code, description), for kind
    /// [`JetStreamErrorKind::Api`].
    pub fn api_error(&self) -> Option<&ApiError> {
        self.api.as_ref()
    }

    /// A request to `subject` that got no reply; a no-responders answer is reported with
    /// `no_responders`, which says what it means for this request.
    pub(crate) fn from_request(e: RequestError, subject: &str, no_responders: &str) -> Self {
        let kind = match e.kind() {
            RequestErrorKind::TimedOut => JetStreamErrorKind::Timeout,
            RequestErrorKind::NoResponders => {
                return JetStreamError::new(
                    JetStreamErrorKind::NoResponders,
                    format!("no responders on {subject}: {no_responders}"),
                )
            }
            RequestErrorKind::InvalidSubject
            | RequestErrorKind::MaxPayloadExceeded
            | RequestErrorKind::HeadersNotSupported => JetStreamErrorKind::InvalidArgument,
            RequestErrorKind::PermissionDenied => JetStreamErrorKind::PermissionDenied,
            RequestErrorKind::Draining
            | RequestErrorKind::Closed
            | RequestErrorKind::Disconnected
            | RequestErrorKind::BufferFull => JetStreamErrorKind::Connection,
        };
        JetStreamError::new(kind, e.to_string())
    }

    /// A publish or subscribe of the client that failed while `context` (`pulling from C
    /// on S`).
    pub(crate) fn from_client(e: ClientError, context: &str) -> Self {
        let kind = match e.kind() {
            ClientErrorKind::PermissionDenied => JetStreamErrorKind::PermissionDenied,
            ClientErrorKind::InvalidSubject
            | ClientErrorKind::InvalidQueueGroup
            | ClientErrorKind::MaxPayloadExceeded
            | ClientErrorKind::HeadersNotSupported
            | ClientErrorKind::NoReplySubject => JetStreamErrorKind::InvalidArgument,
            ClientErrorKind::TimedOut => JetStreamErrorKind::Timeout,
            ClientErrorKind::Draining
            | ClientErrorKind::Closed
            | ClientErrorKind::UnknownSubscription
            | ClientErrorKind::BufferFull
            | ClientErrorKind::Disconnected => JetStreamErrorKind::Connection,
        };
        let hint = match kind {
            JetStreamErrorKind::PermissionDenied => {
                ": this user's permissions must allow the subject"
            }
            _ => "",
        };
        JetStreamError::new(kind, format!("{context}: {e}{hint}"))
    }

    /// A reply that was an API error or could not be read; `context` says what was asked.
    pub(crate) fn from_response(e: ResponseError, context: &str) -> Self {
        match e {
            ResponseError::Api(api) => JetStreamError::api(api, context),
            ResponseError::Malformed(why) => JetStreamError::new(
                JetStreamErrorKind::Malformed,
                format!("{context}: the server's reply could not be read: {why}"),
            ),
        }
    }

    /// A name refused before sending.
    pub(crate) fn invalid(e: impl std::fmt::Display) -> Self {
        JetStreamError::new(JetStreamErrorKind::InvalidArgument, e.to_string())
    }
}

impl From<NameError> for JetStreamError {
    fn from(e: NameError) -> Self {
        JetStreamError::invalid(e)
    }
}

/// What a no-responders answer to an API request means.
pub(crate) const API_NO_RESPONDERS: &str = "JetStream is not enabled on this server (or for \
     this account), or the JetStream domain or API prefix is wrong";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_error_keeps_the_servers_code_err_code_and_description_and_says_what_was_asked() {
        let api = ApiError {
            code: 404,
            err_code: 10059,
            description: "stream not found".into(),
        };
        let error = JetStreamError::from_response(ResponseError::Api(api.clone()), "STREAM.INFO.X");
        assert_eq!(error.kind(), JetStreamErrorKind::Api);
        assert_eq!(error.api_error(), Some(&api));
        assert_eq!(
            error.to_string(),
            "STREAM.INFO.X: stream not found (code 404, err_code 10059)"
        );
    }

    #[test]
    fn a_permission_violation_is_reported_as_such_naming_the_subject() {
        use nats_core::conn::RequestFailure;
        let denied = RequestError::from_failure(
            RequestFailure::PermissionDenied,
            "$JS.API.INFO",
            std::time::Duration::from_secs(5),
        );
        let error = JetStreamError::from_request(denied, "$JS.API.INFO", API_NO_RESPONDERS);
        assert_eq!(error.kind(), JetStreamErrorKind::PermissionDenied);
        assert!(error.to_string().contains("$JS.API.INFO"), "{error}");

        let denied = ClientError::new(
            ClientErrorKind::PermissionDenied,
            "permissions violation for subscription to _INBOX.x",
        );
        let error = JetStreamError::from_client(denied, "pulling from C on S");
        assert_eq!(error.kind(), JetStreamErrorKind::PermissionDenied);
        assert!(error.to_string().contains("_INBOX.x"), "{error}");
        assert!(
            error.to_string().contains("permissions must allow"),
            "{error}"
        );
    }

    #[test]
    fn a_reply_that_does_not_read_is_malformed_and_has_no_api_error() {
        let error =
            JetStreamError::from_response(ResponseError::Malformed("eof".into()), "publishing");
        assert_eq!(error.kind(), JetStreamErrorKind::Malformed);
        assert_eq!(error.api_error(), None);
        assert!(
            error.to_string().contains("could not be read: eof"),
            "{error}"
        );
    }
}
