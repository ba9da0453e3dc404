//! What ADR-32 asks a service to check before it starts or adds an endpoint. Each check is
//! the regular expression nats.go, async-nats and nats-py use, written out by hand (no regex
//! engine in the client).

use crate::proto::validate as proto;
use crate::proto::Quoted;

/// Why a service or endpoint configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A service name that is empty or has a character outside `A-Z a-z 0-9 - _`.
    #[error("invalid service name {}: use one or more of A-Z, a-z, 0-9, '-' and '_'", Quoted(.0))]
    InvalidName(String),
    /// A version that is not SemVer 2.0 (`1.0.0`, `1.2.3-rc.1+build.5`).
    #[error("invalid service version {}: use a SemVer version such as 1.0.0", Quoted(.0))]
    InvalidVersion(String),
    /// An endpoint name that is empty or has a character outside `A-Z a-z 0-9 - _`.
    #[error("invalid endpoint name {}: use one or more of A-Z, a-z, 0-9, '-' and '_'", Quoted(.0))]
    InvalidEndpointName(String),
    /// An endpoint subject that cannot be subscribed to, or has `>` anywhere but at its end.
    #[error("invalid endpoint subject {}: use a subject to subscribe to, '>' only as its last token", Quoted(.0))]
    InvalidSubject(String),
    /// An instance id that is empty or has a character outside `A-Z a-z 0-9 - _` (ids are
    /// NUIDs).
    #[error("invalid service id {}: use one or more of A-Z, a-z, 0-9, '-' and '_'", Quoted(.0))]
    InvalidId(String),
    /// A discovery prefix (in place of `$SRV`) that is not a subject to publish to: empty,
    /// an empty token, whitespace, or a wildcard token.
    #[error("invalid service API prefix {}: use a subject without wildcards, spaces or empty tokens, such as $SRV", Quoted(.0))]
    InvalidApiPrefix(String),
    /// A queue group that is empty or has whitespace.
    #[error("invalid queue group {}: use a non-empty name without spaces", Quoted(.0))]
    InvalidQueueGroup(String),
}

/// `^[A-Za-z0-9\-_]+$`.
fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Checks a service name: `^[A-Za-z0-9\-_]+$`.
pub fn name(name: &str) -> Result<(), ConfigError> {
    if is_name(name) {
        Ok(())
    } else {
        Err(ConfigError::InvalidName(name.to_owned()))
    }
}

/// Checks an instance id (one subject token: `$SRV.<VERB>.<name>.<id>`), by the same rule as
/// a service name.
pub fn id(id: &str) -> Result<(), ConfigError> {
    if is_name(id) {
        Ok(())
    } else {
        Err(ConfigError::InvalidId(id.to_owned()))
    }
}

/// Checks an endpoint name, by the same rule as a service name.
pub fn endpoint_name(name: &str) -> Result<(), ConfigError> {
    if is_name(name) {
        Ok(())
    } else {
        Err(ConfigError::InvalidEndpointName(name.to_owned()))
    }
}

/// Checks a version against semver.org's suggested regular expression:
/// `MAJOR.MINOR.PATCH`, numbers without leading zeros, then optionally `-` and dot-separated
/// pre-release identifiers (alphanumerics and `-`; numeric ones without leading zeros), then
/// optionally `+` and dot-separated build identifiers (alphanumerics and `-`).
pub fn version(version: &str) -> Result<(), ConfigError> {
    if is_semver(version) {
        Ok(())
    } else {
        Err(ConfigError::InvalidVersion(version.to_owned()))
    }
}

fn is_semver(version: &str) -> bool {
    let (rest, build) = match version.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (version, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let mut numbers = core.split('.');
    let core_ok = (0..3).all(|_| numbers.next().is_some_and(is_number)) && numbers.next().is_none();
    let pre_ok = pre.is_none_or(|pre| pre.split('.').all(is_prerelease_identifier));
    let build_ok = build.is_none_or(|build| build.split('.').all(is_identifier));
    core_ok && pre_ok && build_ok
}

/// `0|[1-9]\d*`.
fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
}

/// `[0-9a-zA-Z-]+`.
fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// `0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*`: a number without leading zeros, or an identifier
/// with at least one non-digit.
fn is_prerelease_identifier(s: &str) -> bool {
    is_identifier(s) && (!s.bytes().all(|b| b.is_ascii_digit()) || is_number(s))
}

/// Checks an endpoint's whole subject (group prefix included): a subject that can be
/// subscribed to, in which `>` appears only as the last character (nats.go's
/// `^[^ >]*[>]?$`).
pub fn endpoint_subject(subject: &str) -> Result<(), ConfigError> {
    let gt_inside = subject.strip_suffix('>').unwrap_or(subject).contains('>');
    if gt_inside || proto::subscribe_subject(subject).is_err() {
        return Err(ConfigError::InvalidSubject(subject.to_owned()));
    }
    Ok(())
}

/// Checks a queue group name: non-empty, no whitespace or control characters, `>` only at
/// its end.
pub fn queue_group(queue: &str) -> Result<(), ConfigError> {
    let gt_inside = queue.strip_suffix('>').unwrap_or(queue).contains('>');
    if gt_inside || proto::queue_group(queue).is_err() {
        return Err(ConfigError::InvalidQueueGroup(queue.to_owned()));
    }
    Ok(())
}

/// Checks a discovery prefix, the `$SRV` of `$SRV.PING`: a subject that can be published to
/// (non-empty tokens, no whitespace, no `*` or `>` token). Several tokens are fine
/// (`acct.$SRV`); the case is kept as it is.
pub fn api_prefix(prefix: &str) -> Result<(), ConfigError> {
    if proto::publish_subject(prefix).is_err() {
        return Err(ConfigError::InvalidApiPrefix(prefix.to_owned()));
    }
    Ok(())
}
