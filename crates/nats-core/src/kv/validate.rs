//! Bucket names, keys and watch filters as ADR-8 defines them, checked before anything is
//! sent.
//!
//! * A bucket name is `\A[a-zA-Z0-9_-]+\z`, at most [`MAX_BUCKET_LEN`] bytes (its stream
//!   `KV_<bucket>` is a stream name, which nats-server takes up to 255 bytes).
//! * A key is `\A[-/_=\.a-zA-Z0-9]+\z` and neither starts nor ends with `.`; since a key is
//!   the tail of a subject, it has no empty token either (`a..b`).
//! * A watch filter is a key whose tokens may also be the wildcards `*` (one token) or `>`
//!   (the rest, last token only).
//!
//! Keys starting with `_kv` are reserved by ADR-8 for internal use; they are valid keys.
//!
//! A key or watch filter is at most [`MAX_KEY_LEN`] bytes. A key travels in a control line
//! (`HPUB $KV.<bucket>.<key> <reply> ..`), which nats-server takes up to its
//! `max_control_line` (4096 bytes by default) and otherwise answers by closing the connection;
//! the bound leaves room under that for the bucket, a write prefix, the reply inbox and the
//! sizes. The connection itself refuses any longer line
//! ([`crate::ConnectOptions::max_control_line`]), so a long bucket name or prefix cannot close
//! it either.

use thiserror::Error;

/// What was refused: a bucket name, a key or a watch filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// A bucket name.
    Bucket,
    /// A key.
    Key,
    /// A key or wildcard pattern to watch.
    WatchFilter,
}

impl NameKind {
    fn as_str(self) -> &'static str {
        match self {
            NameKind::Bucket => "bucket name",
            NameKind::Key => "key",
            NameKind::WatchFilter => "watch filter",
        }
    }
}

/// A bucket name, key or watch filter that ADR-8 does not allow, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid {} {:?}: {reason}", kind.as_str(), shown(name))]
pub struct InvalidName {
    /// What was refused.
    pub kind: NameKind,
    /// The refused text, whole.
    pub name: String,
    /// Why, and what is allowed.
    pub reason: &'static str,
}

/// At most 64 characters of `name` for an error message (a key may be megabytes long).
fn shown(name: &str) -> String {
    match name.char_indices().nth(64) {
        Some((end, _)) => format!("{}...", name.get(..end).unwrap_or_default()),
        None => name.to_owned(),
    }
}

fn refuse(kind: NameKind, name: &str, reason: &'static str) -> InvalidName {
    InvalidName {
        kind,
        name: name.to_owned(),
        reason,
    }
}

/// The longest bucket name, in bytes: its stream `KV_<bucket>` is at most
/// [`MAX_NAME_LEN`](crate::jetstream::stream::MAX_NAME_LEN) bytes long.
pub const MAX_BUCKET_LEN: usize = crate::jetstream::stream::MAX_NAME_LEN - 3;

/// Checks a bucket name: `[a-zA-Z0-9_-]+`, at most [`MAX_BUCKET_LEN`] bytes.
pub fn validate_bucket(bucket: &str) -> Result<(), InvalidName> {
    if bucket.is_empty() {
        return Err(refuse(NameKind::Bucket, bucket, "it is empty"));
    }
    if bucket.len() > MAX_BUCKET_LEN {
        return Err(refuse(
            NameKind::Bucket,
            bucket,
            "it is longer than 252 bytes (kv::MAX_BUCKET_LEN: its stream KV_<bucket> would be longer than a stream name may be)",
        ));
    }
    if !bucket
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(refuse(
            NameKind::Bucket,
            bucket,
            "a bucket name may hold only the letters a-z and A-Z, the digits 0-9, '_' and '-'",
        ));
    }
    Ok(())
}

/// The longest key or watch filter, in bytes: a quarter of nats-server's default
/// `max_control_line` (4096), so `$KV.<bucket>.<key>` with the reply inbox and sizes fits.
pub const MAX_KEY_LEN: usize = 1024;

const TOO_LONG: &str = "it is longer than 1024 bytes (kv::MAX_KEY_LEN)";

/// Whether `b` may appear in a key: `[-/_=.a-zA-Z0-9]`.
fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'/' | b'_' | b'=' | b'.')
}

const KEY_CHARS: &str = "a key may hold only a-z, A-Z, 0-9 and '-', '/', '_', '=', '.'";

/// Checks what every key and filter shares: not empty, no leading, trailing or double `.`.
fn check_dots(kind: NameKind, name: &str) -> Result<(), InvalidName> {
    if name.is_empty() {
        return Err(refuse(kind, name, "it is empty"));
    }
    if name.len() > MAX_KEY_LEN {
        return Err(refuse(kind, name, TOO_LONG));
    }
    if name.starts_with('.') || name.ends_with('.') {
        return Err(refuse(kind, name, "it starts or ends with '.'"));
    }
    if name.contains("..") {
        return Err(refuse(kind, name, "it has an empty token ('..')"));
    }
    Ok(())
}

/// Checks a key: `[-/_=.a-zA-Z0-9]+`, no leading or trailing `.`, no `..`.
pub fn validate_key(key: &str) -> Result<(), InvalidName> {
    check_dots(NameKind::Key, key)?;
    if !key.bytes().all(is_key_byte) {
        return Err(refuse(NameKind::Key, key, KEY_CHARS));
    }
    Ok(())
}

/// Checks a watch filter: a key whose tokens may be `*`, and whose last token may be `>`.
pub fn validate_watch_filter(filter: &str) -> Result<(), InvalidName> {
    let kind = NameKind::WatchFilter;
    check_dots(kind, filter)?;
    let mut tokens = filter.split('.').peekable();
    while let Some(token) = tokens.next() {
        let last = tokens.peek().is_none();
        match token {
            "*" => {}
            ">" if last => {}
            ">" => return Err(refuse(kind, filter, "'>' may only be the last token")),
            _ if token.bytes().all(is_key_byte) => {}
            _ if token.contains(['*', '>']) => {
                return Err(refuse(kind, filter, "a wildcard must be a whole token"))
            }
            _ => return Err(refuse(kind, filter, KEY_CHARS)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_are_letters_digits_underscore_and_dash() {
        for ok in ["greetings", "KV_2", "a-b_c", "X"] {
            assert_eq!(validate_bucket(ok), Ok(()), "{ok}");
        }
        for bad in ["", "a.b", "a b", "a*", "a>", "ä", "a/b", "$KV"] {
            let err = validate_bucket(bad).unwrap_err();
            assert_eq!(err.kind, NameKind::Bucket, "{bad}");
        }
    }

    #[test]
    fn a_bucket_name_is_short_enough_for_its_stream_name() {
        let longest = "b".repeat(MAX_BUCKET_LEN);
        assert_eq!(validate_bucket(&longest), Ok(()));
        let stream = crate::kv::KvSubjects::new(&longest, &Default::default()).unwrap();
        assert_eq!(
            crate::jetstream::stream::validate_stream_name(stream.stream()),
            Ok(())
        );
        let err = validate_bucket(&format!("{longest}b")).unwrap_err();
        assert!(err.reason.contains("252"), "{err}");
    }

    #[test]
    fn keys_are_the_adr_8_characters_without_outer_or_double_dots() {
        for ok in [
            "joe",
            "auth.username",
            "a-b/c_d=e",
            "_kv.reserved",
            "1",
            "A.B.C",
        ] {
            assert_eq!(validate_key(ok), Ok(()), "{ok}");
        }
        for bad in [
            "", ".a", "a.", "a..b", ".", "a b", "a*", "a.>", "*", ">", "ä", "a\r\n", "a\0", "$x",
        ] {
            let err = validate_key(bad).unwrap_err();
            assert_eq!(err.kind, NameKind::Key, "{bad}");
        }
    }

    #[test]
    fn keys_and_filters_are_at_most_max_key_len_bytes() {
        assert_eq!(validate_key(&"k".repeat(MAX_KEY_LEN)), Ok(()));
        let err = validate_key(&"k".repeat(MAX_KEY_LEN + 1)).unwrap_err();
        assert_eq!(err.kind, NameKind::Key);
        assert!(err.to_string().contains("longer than 1024 bytes"), "{err}");
        assert_eq!(
            validate_key(&"k".repeat(5000)).unwrap_err().kind,
            NameKind::Key
        );
        let filter = "k.".repeat(MAX_KEY_LEN / 2) + ">";
        let err = validate_watch_filter(&filter).unwrap_err();
        assert_eq!(err.kind, NameKind::WatchFilter);
    }

    #[test]
    fn watch_filters_may_use_whole_token_wildcards() {
        for ok in ["joe", ">", "*", "auth.>", "*.name", "a.*.c", "a.*.>"] {
            assert_eq!(validate_watch_filter(ok), Ok(()), "{ok}");
        }
        for bad in [
            "", ">.a", "a.>.b", "a*", "a.b*", ".>", "a.", "a..*", "a b", "a.>>",
        ] {
            let err = validate_watch_filter(bad).unwrap_err();
            assert_eq!(err.kind, NameKind::WatchFilter, "{bad}");
        }
    }

    #[test]
    fn an_error_says_what_was_refused_and_why_and_shortens_long_names() {
        let err = validate_key("a..b").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid key \"a..b\": it has an empty token ('..')"
        );
        let long = "x".repeat(10_000) + " ";
        let text = validate_key(&long).unwrap_err().to_string();
        assert!(text.len() < 200, "{text}");
        assert!(text.contains("..."));
        let multibyte = "ä".repeat(100);
        assert!(validate_key(&multibyte).is_err());
        assert!(validate_key(&multibyte)
            .unwrap_err()
            .to_string()
            .contains("..."));
    }
}
