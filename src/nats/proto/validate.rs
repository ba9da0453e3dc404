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
    /// A wildcard (`*` or `>`) in a subject that is published to.
    #[error("invalid publish subject {}: wildcards '*' and '>' are only for subscribing", Quoted(.0))]
    WildcardInPublishSubject(String),
    /// `*` or `>` inside a token, or `>` before the last token.
    #[error("invalid subject {}: '*' and '>' must be whole tokens, and '>' must be last", Quoted(.0))]
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
}

fn is_forbidden(c: char) -> bool {
    c.is_whitespace() || c.is_control()
}

/// Checks a subject that is published to (or requested): literal tokens only.
pub fn publish_subject(subject: &str) -> Result<(), ValidationError> {
    check_tokens(subject)?;
    if subject.split('.').any(|t| t.contains(['*', '>'])) {
        return Err(ValidationError::WildcardInPublishSubject(
            subject.to_owned(),
        ));
    }
    Ok(())
}

/// Checks a subject that is subscribed to: `*` and `>` only as whole tokens, `>` only last.
pub fn subscribe_subject(subject: &str) -> Result<(), ValidationError> {
    check_tokens(subject)?;
    let tokens: Vec<&str> = subject.split('.').collect();
    for (i, token) in tokens.iter().enumerate() {
        let is_last = i + 1 == tokens.len();
        let misplaced = match *token {
            "*" => false,
            ">" => !is_last,
            t => t.contains(['*', '>']),
        };
        if misplaced {
            return Err(ValidationError::MisplacedWildcard(subject.to_owned()));
        }
    }
    Ok(())
}

/// Checks a single subject token, such as a name put after `greet.`: literal, non-empty.
pub fn subject_token(token: &str) -> Result<(), ValidationError> {
    if token.is_empty() || token.contains(['.', '*', '>']) || token.contains(is_forbidden) {
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
        for bad in ["greet.*", "greet.>", "a*", "a.b>"] {
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
        for bad in ["a.>.b", "a*", "a.b*", ">.a", "a.*x"] {
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
}
