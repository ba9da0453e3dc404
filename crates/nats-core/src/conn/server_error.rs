//! `-ERR` messages sorted into what they mean for the connection.

use std::fmt;

use crate::proto::Quoted;

/// What the server objected to, read from the text of a `-ERR`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerErrorKind {
    /// Wrong or missing credentials.
    AuthorizationViolation,
    /// Credentials did not arrive in time.
    AuthenticationTimeout,
    /// The user's credentials (its JWT) expired: "User Authentication Expired".
    AuthenticationExpired,
    /// The user's credentials were revoked by its account: "User Authentication Revoked".
    AuthenticationRevoked,
    /// The server saw no PONGs from us.
    StaleConnection,
    /// A message bigger than the server's `max_payload` was published.
    MaxPayloadExceeded,
    /// The server has too many connections.
    MaxConnectionsExceeded,
    /// A control line was too long.
    MaxControlLineExceeded,
    /// The server did not understand an operation.
    UnknownProtocolOperation,
    /// The server requires TLS.
    TlsRequired,
    /// Another fatal error.
    OtherFatal,
    /// A subscription's subject was refused; the connection stays open.
    InvalidSubject,
    /// A publish subject was refused; the connection stays open.
    InvalidPublishSubject,
    /// The account has too many subscriptions; the connection stays open.
    MaxSubscriptionsExceeded,
    /// The user may not do this on this subject; the connection stays open.
    PermissionViolation {
        /// What was refused.
        operation: PermissionOperation,
        /// The subject that was refused.
        subject: String,
        /// The queue group, for subscriptions in one.
        queue: Option<String>,
    },
}

/// The operation a permission violation refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermissionOperation {
    /// Publishing to the subject.
    Publish,
    /// Subscribing to the subject.
    Subscribe,
    /// Publishing with this reply subject.
    PublishWithReply,
}

/// A `-ERR` from the server: its kind and its text as sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ServerError {
    /// What it means.
    pub kind: ServerErrorKind,
    /// The server's words, without quotes.
    pub text: String,
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ServerErrorKind::AuthorizationViolation => write!(
                f,
                "authorization violation: the server refused the credentials (check the user, password or token)"
            ),
            ServerErrorKind::AuthenticationExpired => write!(
                f,
                "authentication expired: the server says the user's credentials (JWT) expired"
            ),
            ServerErrorKind::AuthenticationRevoked => write!(
                f,
                "authentication revoked: the account revoked this user's credentials"
            ),
            ServerErrorKind::AuthenticationTimeout => write!(
                f,
                "authentication timeout: the credentials did not reach the server in time"
            ),
            ServerErrorKind::PermissionViolation {
                operation,
                subject,
                queue,
            } => {
                let what = match operation {
                    PermissionOperation::Publish => "publish to",
                    PermissionOperation::Subscribe => "subscribe to",
                    PermissionOperation::PublishWithReply => "publish with reply subject",
                };
                write!(f, "permission denied: this user may not {what} {}", Quoted(subject))?;
                if let Some(q) = queue {
                    write!(f, " in queue group {}", Quoted(q))?;
                }
                Ok(())
            }
            _ => write!(f, "server error: {}", self.text),
        }
    }
}

impl ServerError {
    /// Reads the text of a `-ERR` (quotes already removed).
    pub fn parse(text: &str) -> Self {
        let lower = text.to_ascii_lowercase();
        let kind = if let Some(kind) = permission_violation(text) {
            kind
        } else if lower.starts_with("authorization violation") {
            ServerErrorKind::AuthorizationViolation
        } else if lower.starts_with("authentication timeout") {
            ServerErrorKind::AuthenticationTimeout
        } else if lower.contains("authentication expired") {
            ServerErrorKind::AuthenticationExpired
        } else if lower.contains("authentication revoked") {
            ServerErrorKind::AuthenticationRevoked
        } else if lower.starts_with("stale connection") {
            ServerErrorKind::StaleConnection
        } else if lower.starts_with("maximum payload") {
            ServerErrorKind::MaxPayloadExceeded
        } else if lower.starts_with("maximum connections") {
            ServerErrorKind::MaxConnectionsExceeded
        } else if lower.starts_with("maximum control line") {
            ServerErrorKind::MaxControlLineExceeded
        } else if lower.starts_with("maximum subscriptions") {
            ServerErrorKind::MaxSubscriptionsExceeded
        } else if lower.starts_with("unknown protocol operation") {
            ServerErrorKind::UnknownProtocolOperation
        } else if lower.starts_with("secure connection") {
            ServerErrorKind::TlsRequired
        } else if lower.starts_with("invalid publish subject") {
            ServerErrorKind::InvalidPublishSubject
        } else if lower.starts_with("invalid subject") {
            ServerErrorKind::InvalidSubject
        } else {
            ServerErrorKind::OtherFatal
        };
        ServerError {
            kind,
            text: text.to_owned(),
        }
    }

    /// True when the server closes the connection after sending this error.
    pub fn is_fatal(&self) -> bool {
        !matches!(
            self.kind,
            ServerErrorKind::InvalidSubject
                | ServerErrorKind::InvalidPublishSubject
                | ServerErrorKind::MaxSubscriptionsExceeded
                | ServerErrorKind::PermissionViolation { .. }
        )
    }
}

/// `Permissions Violation for Publish to "x"`, `... for Subscription to "x" using queue "q"`,
/// `... for Publish with Reply of "x"`.
fn permission_violation(text: &str) -> Option<ServerErrorKind> {
    let rest = text.strip_prefix("Permissions Violation for ")?;
    let (operation, rest) = if let Some(r) = rest.strip_prefix("Publish with Reply of ") {
        (PermissionOperation::PublishWithReply, r)
    } else if let Some(r) = rest.strip_prefix("Publish to ") {
        (PermissionOperation::Publish, r)
    } else if let Some(r) = rest.strip_prefix("Subscription to ") {
        (PermissionOperation::Subscribe, r)
    } else {
        return None;
    };
    let mut quoted = rest.split('"').skip(1).step_by(2);
    let subject = quoted.next()?.to_owned();
    let queue = rest
        .contains("using queue")
        .then(|| quoted.next().map(str::to_owned))
        .flatten();
    Some(ServerErrorKind::PermissionViolation {
        operation,
        subject,
        queue,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn permission_violations_name_the_subject_and_keep_the_connection() {
        let e = ServerError::parse("Permissions Violation for Publish to \"secret.plans\"");
        assert_eq!(
            e.kind,
            ServerErrorKind::PermissionViolation {
                operation: PermissionOperation::Publish,
                subject: "secret.plans".into(),
                queue: None
            }
        );
        assert!(!e.is_fatal());
        assert!(e.to_string().contains("\"secret.plans\""), "{e}");

        let e = ServerError::parse(
            "Permissions Violation for Subscription to \"a.>\" using queue \"q\"",
        );
        assert_eq!(
            e.kind,
            ServerErrorKind::PermissionViolation {
                operation: PermissionOperation::Subscribe,
                subject: "a.>".into(),
                queue: Some("q".into())
            }
        );
        let e = ServerError::parse("Permissions Violation for Publish with Reply of \"_INBOX.x\"");
        assert!(matches!(
            e.kind,
            ServerErrorKind::PermissionViolation {
                operation: PermissionOperation::PublishWithReply,
                ..
            }
        ));
    }

    #[test]
    fn fatal_errors_are_recognised() {
        for (text, kind) in [
            (
                "Authorization Violation",
                ServerErrorKind::AuthorizationViolation,
            ),
            (
                "Authentication Timeout",
                ServerErrorKind::AuthenticationTimeout,
            ),
            (
                "User Authentication Expired",
                ServerErrorKind::AuthenticationExpired,
            ),
            (
                "User Authentication Revoked",
                ServerErrorKind::AuthenticationRevoked,
            ),
            ("Stale Connection", ServerErrorKind::StaleConnection),
            (
                "Maximum Payload Violation",
                ServerErrorKind::MaxPayloadExceeded,
            ),
            (
                "maximum connections exceeded",
                ServerErrorKind::MaxConnectionsExceeded,
            ),
            (
                "Unknown Protocol Operation",
                ServerErrorKind::UnknownProtocolOperation,
            ),
            (
                "Secure Connection - TLS Required",
                ServerErrorKind::TlsRequired,
            ),
            (
                "no responders requires headers support",
                ServerErrorKind::OtherFatal,
            ),
        ] {
            let e = ServerError::parse(text);
            assert_eq!(e.kind, kind, "{text}");
            assert!(e.is_fatal(), "{text}");
        }
    }

    #[test]
    fn recoverable_errors_keep_the_connection() {
        for text in [
            "Invalid Subject",
            "Invalid Publish Subject",
            "maximum subscriptions exceeded",
        ] {
            assert!(!ServerError::parse(text).is_fatal(), "{text}");
        }
    }
}
