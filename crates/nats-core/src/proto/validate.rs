//! Checks on user input that ends up on a control line. Whitespace, CR or LF in a subject or
//! queue name would split the line and inject protocol, so each is refused with an error that
//! names the offending value before anything is written.

use super::Quoted;

/// What was wrong with a subject, queue group or payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// A subject that is empty, has an empty token (`a..b`, `a.`, `.a`) or whitespace.
    #[error("invalid subject {}: use non-empty tokens separated by '.', without spaces", Quoted(.0))]
    InvalidSubject(String),
    /// A wildcard token (a whole `*` or `>` token) in a subject that is published to.
    #[error("invalid publish subject {}: wildcard tokens '*' and '>' are only for subscribing", Quoted(.0))]
    WildcardInPublishSubject(String),
    /// A `>` token before the last token.
    #[error("invalid subject {}: the '>' wildcard must be the last token", Quoted(.0))]
    MisplacedWildcard(String),
    /// A queue group name that is empty or has whitespace.
    #[error("invalid queue group {}: use a non-empty name without spaces", Quoted(.0))]
    InvalidQueueGroup(String),
    /// Headers plus payload bigger than the server's `max_payload`.
    #[error("message of {size} bytes exceeds the server's max_payload of {max} bytes")]
    MaxPayloadExceeded {
        /// Bytes of headers plus payload.
        size: usize,
        /// The limit the server announced in INFO.
        max: usize,
    },
    /// A message with headers for a server whose INFO says `headers: false` (nats-server's
    /// `no_header_support`): it cannot take `HPUB`.
    #[error("the server does not support headers: publish without headers")]
    HeadersNotSupported,
    /// A `PUB`, `HPUB` or `SUB` line (verb, subject, reply or queue group, sizes) longer than
    /// [`crate::ConnectOptions::max_control_line`]: the server would answer `maximum control
    /// line exceeded` and close the connection, so nothing is sent.
    #[error("a {len}-byte control line exceeds the server's max_control_line of {max} bytes: use a shorter subject")]
    ControlLineTooLong {
        /// Bytes of the line, `\r\n` included.
        len: usize,
        /// The limit ([`crate::ConnectOptions::max_control_line`]).
        max: usize,
    },
}

/// nats-server's default `max_control_line` (not announced in INFO): the default of
/// [`crate::ConnectOptions::max_control_line`].
pub const DEFAULT_MAX_CONTROL_LINE: usize = 4096;

/// Digits of `n` in decimal.
fn digits(n: usize) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// Bytes of the control line of a `PUB` (`header_len` `None`) or `HPUB`: `PUB <subject>
/// [reply] <size>\r\n` or `HPUB <subject> [reply] <header_len> <size>\r\n`.
pub fn publish_line_len(
    subject: &str,
    reply: Option<&str>,
    header_len: Option<usize>,
    size: usize,
) -> usize {
    let verb = if header_len.is_some() { 4 } else { 3 };
    let reply = reply.map_or(0, |r| 1 + r.len());
    let header = header_len.map_or(0, |h| 1 + digits(h));
    verb + 1 + subject.len() + reply + header + 1 + digits(size) + 2
}

/// Bytes of the control line of `SUB <subject> [queue] <sid>\r\n`.
pub fn subscribe_line_len(subject: &str, queue: Option<&str>, sid: u64) -> usize {
    let queue = queue.map_or(0, |q| 1 + q.len());
    let sid = usize::try_from(sid).map_or(20, digits);
    3 + 1 + subject.len() + queue + 1 + sid + 2
}

/// Refuses a control line of `len` bytes longer than `max`.
pub fn control_line(len: usize, max: usize) -> Result<(), ValidationError> {
    if len > max {
        return Err(ValidationError::ControlLineTooLong { len, max });
    }
    Ok(())
}

/// The server's default `max_payload`, assumed for publishes until its INFO says otherwise.
pub const DEFAULT_MAX_PAYLOAD: usize = 1024 * 1024;

fn is_forbidden(c: char) -> bool {
    c.is_whitespace() || c.is_control()
}

/// Only a whole token is a wildcard, as the server reads subjects: `metrics.cpu*` and `a>b`
/// are literal.
fn is_wildcard(token: &str) -> bool {
    token == "*" || token == ">"
}

/// Checks a subject that is published to (or requested): no wildcard tokens. `*` and `>`
/// inside a token are literal characters, as they are for the server.
pub fn publish_subject(subject: &str) -> Result<(), ValidationError> {
    check_tokens(subject)?;
    if subject.split('.').any(is_wildcard) {
        return Err(ValidationError::WildcardInPublishSubject(
            subject.to_owned(),
        ));
    }
    Ok(())
}

/// Checks a subject that is subscribed to: a whole `*` token matches any one token, a whole
/// `>` token (last only) one or more; `*` and `>` inside a token are literal characters.
pub fn subscribe_subject(subject: &str) -> Result<(), ValidationError> {
    check_tokens(subject)?;
    let mut tokens = subject.split('.').peekable();
    while let Some(token) = tokens.next() {
        if token == ">" && tokens.peek().is_some() {
            return Err(ValidationError::MisplacedWildcard(subject.to_owned()));
        }
    }
    Ok(())
}

/// Checks a single subject token, such as a name put after `greet.`: non-empty, no `.`, and
/// not a wildcard token.
pub fn subject_token(token: &str) -> Result<(), ValidationError> {
    if token.is_empty() || token.contains('.') || is_wildcard(token) || token.contains(is_forbidden)
    {
        return Err(ValidationError::InvalidSubject(token.to_owned()));
    }
    Ok(())
}

/// Checks a queue group name: non-empty, no whitespace or control characters.
pub fn queue_group(queue: &str) -> Result<(), ValidationError> {
    if queue.is_empty() || queue.contains(is_forbidden) {
        return Err(ValidationError::InvalidQueueGroup(queue.to_owned()));
    }
    Ok(())
}

/// Checks that `size` bytes of headers plus payload fit the server's `max_payload`.
pub fn payload_size(size: usize, max: usize) -> Result<(), ValidationError> {
    if size > max {
        return Err(ValidationError::MaxPayloadExceeded { size, max });
    }
    Ok(())
}

fn check_tokens(subject: &str) -> Result<(), ValidationError> {
    if subject.is_empty() || subject.contains(is_forbidden) || subject.split('.').any(str::is_empty)
    {
        return Err(ValidationError::InvalidSubject(subject.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn only_a_whole_star_or_gt_token_is_a_wildcard() {
        // The server reads `*` and `>` inside a token as literal characters.
        for literal in ["metrics.cpu*", "a>b", "*a", "a.b*c.>d", "x>", "**", ">>"] {
            assert_eq!(publish_subject(literal), Ok(()), "publish {literal}");
            assert_eq!(subscribe_subject(literal), Ok(()), "subscribe {literal}");
        }
        for token in ["cpu*", "a>b", "*a"] {
            assert_eq!(subject_token(token), Ok(()), "token {token}");
        }
    }

    #[test]
    fn literal_subjects_can_be_published_to() {
        for ok in ["greet.joe", "a", "_INBOX.abc.1", "a-b_c.D$e", "ünï.cødé"] {
            assert_eq!(publish_subject(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn publish_subjects_refuse_wildcards_and_empty_tokens() {
        for bad in [
            "",
            "a..b",
            "a.",
            ".a",
            ".",
            "a b",
            "a\tb",
            "a\r\nPUB x 0",
            "a\n",
            "a\0b",
        ] {
            assert_eq!(
                publish_subject(bad),
                Err(ValidationError::InvalidSubject(bad.into())),
                "{bad:?}"
            );
        }
        for bad in ["greet.*", "greet.>", "*", ">", "a.*.b"] {
            assert_eq!(
                publish_subject(bad),
                Err(ValidationError::WildcardInPublishSubject(bad.into()))
            );
        }
    }

    #[test]
    fn subscribe_subjects_take_whole_token_wildcards_with_full_wildcard_last() {
        for ok in ["greet.*", ">", "a.>", "*.*.b", "_INBOX.x.*", "a.*.>"] {
            assert_eq!(subscribe_subject(ok), Ok(()), "{ok}");
        }
        for bad in ["a.>.b", ">.a", ">.>", "*.>.*"] {
            assert_eq!(
                subscribe_subject(bad),
                Err(ValidationError::MisplacedWildcard(bad.into())),
                "{bad}"
            );
        }
        for bad in ["", "a..*", "a *", "a.\r\n"] {
            assert_eq!(
                subscribe_subject(bad),
                Err(ValidationError::InvalidSubject(bad.into()))
            );
        }
    }

    #[test]
    fn a_token_is_one_literal_subject_token() {
        assert_eq!(subject_token("joe"), Ok(()));
        assert_eq!(subject_token("jo*"), Ok(()));
        for bad in ["", "a.b", "*", ">", "jo e", "x\n", "\u{7}"] {
            assert!(subject_token(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn queue_groups_refuse_whitespace() {
        assert_eq!(queue_group("workers"), Ok(()));
        for bad in ["", "a b", "q\r\n"] {
            assert_eq!(
                queue_group(bad),
                Err(ValidationError::InvalidQueueGroup(bad.into()))
            );
        }
    }

    #[test]
    fn payload_size_allows_exactly_max() {
        assert_eq!(payload_size(1024, 1024), Ok(()));
        assert_eq!(
            payload_size(1025, 1024),
            Err(ValidationError::MaxPayloadExceeded {
                size: 1025,
                max: 1024
            })
        );
    }

    /// The bytes up to and including the first `\r\n` of `op` encoded.
    fn line_of(op: crate::proto::ClientOp<'_>) -> usize {
        let mut out = Vec::new();
        op.encode(&mut out);
        out.windows(2).position(|w| w == b"\r\n").unwrap_or(0) + 2
    }

    #[test]
    fn control_line_lengths_are_those_of_the_encoded_lines() {
        use crate::proto::{ClientOp, HeaderMap};
        let mut headers = HeaderMap::new();
        headers.insert("A", "b").unwrap();
        for (subject, reply) in [("s", None), ("a.b.c", Some("_INBOX.x.1234567"))] {
            for payload in [&b""[..], b"xyz", &[0; 12345]] {
                let pub_op = ClientOp::Pub {
                    subject,
                    reply,
                    payload,
                };
                let len = publish_line_len(subject, reply, None, payload.len());
                assert_eq!(len, line_of(pub_op));
                let hpub = ClientOp::HPub {
                    subject,
                    reply,
                    headers: &headers,
                    payload,
                };
                let size = headers.encoded_len() + payload.len();
                let len = publish_line_len(subject, reply, Some(headers.encoded_len()), size);
                assert_eq!(len, line_of(hpub));
            }
        }
        for (subject, queue, sid) in [("s", None, 1), ("a.>", Some("q"), 987_654_321)] {
            let sub = ClientOp::Sub {
                subject,
                queue,
                sid,
            };
            assert_eq!(subscribe_line_len(subject, queue, sid), line_of(sub));
        }
    }

    #[test]
    fn a_control_line_over_the_limit_is_refused() {
        assert_eq!(control_line(4096, DEFAULT_MAX_CONTROL_LINE), Ok(()));
        assert_eq!(
            control_line(4097, DEFAULT_MAX_CONTROL_LINE),
            Err(ValidationError::ControlLineTooLong {
                len: 4097,
                max: 4096
            })
        );
    }
}
