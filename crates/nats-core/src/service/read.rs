//! The JSON of the discovery responses, read by hand on `proto::json`'s reader, for replies
//! from any peer: members it does not know are skipped whatever they hold; a missing member
//! keeps its default; `null` counts as missing, and so does an optional member of the wrong
//! type (`"version": 1`, `"num_requests": "5"`); a metadata value that is not a string is
//! skipped; counts and nanoseconds may be written with a fraction or exponent (they are
//! truncated; negative is 0). `name` and `id` are required, and `type`, when present, must be
//! the verb's. Nothing recurses, nothing panics, and the work is bounded by the input (a NATS
//! message, at most `max_payload`).

use std::fmt;

use crate::proto::json::{Error, Reader};

use super::types::{EndpointInfo, EndpointStats, Info, Metadata, PingResponse, Stats};
use super::{INFO_RESPONSE_TYPE, PING_RESPONSE_TYPE, STATS_RESPONSE_TYPE};

/// Why a discovery reply could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    inner: ReadErrorInner,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ReadErrorInner {
    Json(Error),
    Missing(&'static str),
    WrongType(String),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            ReadErrorInner::Json(e) => write!(f, "invalid JSON: {e}"),
            ReadErrorInner::Missing(member) => write!(f, "member `{member}` is missing"),
            ReadErrorInner::WrongType(kind) => write!(
                f,
                "`type` is {}, not the reply asked for",
                crate::proto::Quoted(kind)
            ),
        }
    }
}

impl std::error::Error for ReadError {}

impl From<Error> for ReadError {
    fn from(e: Error) -> Self {
        ReadError {
            inner: ReadErrorInner::Json(e),
        }
    }
}

/// The members common to every response, as read.
#[derive(Default)]
struct Identity {
    name: Option<String>,
    id: Option<String>,
    version: String,
    metadata: Metadata,
}

impl Identity {
    /// Reads `member` if it is one of the common ones; `Ok(false)` if it is not.
    fn member(
        &mut self,
        r: &mut Reader<'_>,
        member: &str,
        kind: &'static str,
    ) -> Result<bool, ReadError> {
        match member {
            "name" => self.name = opt_string(r)?,
            "id" => self.id = opt_string(r)?,
            "version" => self.version = lenient_string(r)?,
            "metadata" => self.metadata = metadata(r)?,
            "type" => {
                if let Some(t) = opt_string(r)? {
                    if t != kind {
                        return Err(ReadError {
                            inner: ReadErrorInner::WrongType(t),
                        });
                    }
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn finish(self) -> Result<(String, String, String, Metadata), ReadError> {
        let missing = |m| ReadError {
            inner: ReadErrorInner::Missing(m),
        };
        let name = self.name.ok_or_else(|| missing("name"))?;
        let id = self.id.ok_or_else(|| missing("id"))?;
        Ok((name, id, self.version, self.metadata))
    }
}

/// Reads one object, calling `member` with the reader just after each member's `:`; the
/// callback must read the value. The whole input must be that object.
fn document(
    json: &[u8],
    mut member: impl FnMut(&mut Reader<'_>, &str) -> Result<(), ReadError>,
) -> Result<(), ReadError> {
    let mut r = Reader { json, pos: 0 };
    object(&mut r, &mut member)?;
    if r.peek().is_some() {
        return Err(r.error("unexpected characters after the object").into());
    }
    Ok(())
}

/// Reads one object (or `null`, as no members).
fn object(
    r: &mut Reader<'_>,
    member: &mut dyn FnMut(&mut Reader<'_>, &str) -> Result<(), ReadError>,
) -> Result<(), ReadError> {
    if r.literal(b"null") {
        return Ok(());
    }
    r.expect(b'{', "expected an object")?;
    if r.peek() == Some(b'}') {
        r.pos += 1;
        return Ok(());
    }
    loop {
        if r.peek() != Some(b'"') {
            return Err(r.error("expected a member name").into());
        }
        let name = r.string()?;
        r.expect(b':', "expected `:`")?;
        member(r, &name)?;
        if !r.next_or_close(b'}')? {
            return Ok(());
        }
    }
}

/// Reads an array (or `null`, as empty), calling `element` for each element.
fn array(
    r: &mut Reader<'_>,
    mut element: impl FnMut(&mut Reader<'_>) -> Result<(), ReadError>,
) -> Result<(), ReadError> {
    if r.literal(b"null") {
        return Ok(());
    }
    r.expect(b'[', "expected an array")?;
    if r.peek() == Some(b']') {
        r.pos += 1;
        return Ok(());
    }
    loop {
        element(r)?;
        if !r.next_or_close(b']')? {
            return Ok(());
        }
    }
}

/// A string, or `null`.
fn opt_string(r: &mut Reader<'_>) -> Result<Option<String>, ReadError> {
    if r.literal(b"null") {
        return Ok(None);
    }
    Ok(Some(r.string()?))
}

/// An optional string member: a string, or empty for `null` or any other value (skipped), so
/// that one odd member does not cost the whole reply.
fn lenient_string(r: &mut Reader<'_>) -> Result<String, ReadError> {
    if r.peek() == Some(b'"') {
        return Ok(r.string()?);
    }
    r.skip_value()?;
    Ok(String::new())
}

/// An object of strings; members whose values are not strings are skipped.
fn metadata(r: &mut Reader<'_>) -> Result<Metadata, ReadError> {
    let mut out = Metadata::new();
    object(r, &mut |r, key| {
        if r.peek() == Some(b'"') {
            out.insert(key, r.string()?);
        } else {
            r.skip_value()?;
        }
        Ok(())
    })?;
    Ok(out)
}

/// A non-negative count: an integer, or a number with a fraction or exponent truncated to
/// one; negative numbers are 0, numbers past `u64::MAX` are `u64::MAX`; `null` is 0.
fn count(r: &mut Reader<'_>) -> Result<u64, ReadError> {
    if !matches!(r.peek(), Some(b'-' | b'0'..=b'9')) {
        // `null`, or not a number at all: skipped, as 0.
        r.skip_value()?;
        return Ok(0);
    }
    let start = r.pos;
    r.skip_number()?;
    let text = r.json.get(start..r.pos).unwrap_or_default();
    if text.first() == Some(&b'-') {
        return Ok(0);
    }
    let (mantissa, exponent) = match text.iter().position(|&b| b == b'e' || b == b'E') {
        Some(i) => (
            text.get(..i).unwrap_or_default(),
            text.get(i + 1..).unwrap_or_default(),
        ),
        None => (text, &[][..]),
    };
    let (int, frac) = match mantissa.iter().position(|&b| b == b'.') {
        Some(i) => (
            mantissa.get(..i).unwrap_or_default(),
            mantissa.get(i + 1..).unwrap_or_default(),
        ),
        None => (mantissa, &[][..]),
    };
    // The value is digits(int ++ frac) * 10^(exponent - frac.len()).
    let negative_exponent = exponent.first() == Some(&b'-');
    let exponent_magnitude = exponent
        .iter()
        .filter(|b| b.is_ascii_digit())
        .fold(0i64, |n, &d| {
            n.saturating_mul(10).saturating_add(i64::from(d - b'0'))
        });
    let shift = if negative_exponent {
        exponent_magnitude.saturating_neg()
    } else {
        exponent_magnitude
    }
    .saturating_sub(i64::try_from(frac.len()).unwrap_or(i64::MAX));
    let digits = int.iter().chain(frac);
    let kept = if shift < 0 {
        let drop = usize::try_from(shift.unsigned_abs()).unwrap_or(usize::MAX);
        (int.len() + frac.len()).saturating_sub(drop)
    } else {
        int.len() + frac.len()
    };
    let mut value = digits.take(kept).fold(0u64, |n, &d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    });
    if value != 0 {
        for _ in 0..shift.clamp(0, 20) {
            value = value.saturating_mul(10);
        }
    }
    Ok(value)
}

/// Reads an `endpoints` array (or `null`) into `endpoints`, replacing what a repeated member
/// left there: each element is an object read into a fresh `E` by `member`, which must read or
/// skip each member's value.
fn endpoint_array<E: Default>(
    r: &mut Reader<'_>,
    endpoints: &mut Vec<E>,
    mut member: impl FnMut(&mut Reader<'_>, &mut E, &str) -> Result<(), ReadError>,
) -> Result<(), ReadError> {
    endpoints.clear();
    array(r, |r| {
        let mut e = E::default();
        object(r, &mut |r, name| member(r, &mut e, name))?;
        endpoints.push(e);
        Ok(())
    })
}

/// Reads a `PING` reply.
pub fn read_ping(json: &[u8]) -> Result<PingResponse, ReadError> {
    let mut identity = Identity::default();
    document(json, |r, member| {
        if !identity.member(r, member, PING_RESPONSE_TYPE)? {
            r.skip_value()?;
        }
        Ok(())
    })?;
    let (name, id, version, metadata) = identity.finish()?;
    Ok(PingResponse {
        name,
        id,
        version,
        metadata,
    })
}

/// Reads an `INFO` reply.
pub fn read_info(json: &[u8]) -> Result<Info, ReadError> {
    let mut identity = Identity::default();
    let mut description = String::new();
    let mut endpoints = Vec::new();
    document(json, |r, member| {
        if identity.member(r, member, INFO_RESPONSE_TYPE)? {
            return Ok(());
        }
        match member {
            "description" => description = lenient_string(r)?,
            "endpoints" => endpoint_array(r, &mut endpoints, |r, e: &mut EndpointInfo, member| {
                match member {
                    "name" => e.name = lenient_string(r)?,
                    "subject" => e.subject = lenient_string(r)?,
                    "queue_group" => e.queue_group = lenient_string(r)?,
                    "metadata" => e.metadata = metadata(r)?,
                    _ => r.skip_value()?,
                }
                Ok(())
            })?,
            _ => r.skip_value()?,
        }
        Ok(())
    })?;
    let (name, id, version, metadata) = identity.finish()?;
    Ok(Info {
        name,
        id,
        version,
        metadata,
        description,
        endpoints,
    })
}

/// Reads a `STATS` reply. `data` keeps the JSON text of the value as the peer wrote it.
pub fn read_stats(json: &[u8]) -> Result<Stats, ReadError> {
    let mut identity = Identity::default();
    let mut started = String::new();
    let mut endpoints = Vec::new();
    document(json, |r, member| {
        if identity.member(r, member, STATS_RESPONSE_TYPE)? {
            return Ok(());
        }
        match member {
            "started" => started = lenient_string(r)?,
            "endpoints" => {
                endpoint_array(r, &mut endpoints, |r, e: &mut EndpointStats, member| {
                    match member {
                        "name" => e.name = lenient_string(r)?,
                        "subject" => e.subject = lenient_string(r)?,
                        "queue_group" => e.queue_group = lenient_string(r)?,
                        "num_requests" => e.num_requests = count(r)?,
                        "num_errors" => e.num_errors = count(r)?,
                        "last_error" => e.last_error = lenient_string(r)?,
                        "processing_time" => e.processing_time = count(r)?,
                        "average_processing_time" => e.average_processing_time = count(r)?,
                        "data" => e.data = raw_value(r)?,
                        _ => r.skip_value()?,
                    }
                    Ok(())
                })?
            }
            _ => r.skip_value()?,
        }
        Ok(())
    })?;
    let (name, id, version, metadata) = identity.finish()?;
    Ok(Stats {
        name,
        id,
        version,
        metadata,
        started,
        endpoints,
    })
}

/// Any value, as its JSON text; `null` is `None`.
fn raw_value(r: &mut Reader<'_>) -> Result<Option<String>, ReadError> {
    if r.literal(b"null") {
        return Ok(None);
    }
    r.peek();
    let start = r.pos;
    r.skip_value()?;
    let text = r.json.get(start..r.pos).unwrap_or_default();
    // Valid UTF-8 unless a skipped string held invalid bytes: then it is lossy.
    Ok(Some(String::from_utf8_lossy(text).into_owned()))
}
