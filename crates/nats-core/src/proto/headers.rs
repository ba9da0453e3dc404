//! NATS message headers (ADR-4): a `NATS/1.0` version line with an optional status, then
//! `Name: value` lines. Names keep their case and may repeat, in order.

use std::fmt;

use super::Quoted;

/// The version line every header block starts with.
const VERSION_LINE: &[u8] = b"NATS/1.0";

/// A three-digit status carried on the header version line, e.g. `503` for "no responders".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusCode(u16);

impl StatusCode {
    /// `100`: a heartbeat or flow-control message from JetStream.
    pub const IDLE_HEARTBEAT: StatusCode = StatusCode(100);
    /// `200`: success (async-nats' name).
    pub const OK: StatusCode = StatusCode(200);
    /// `404`: no messages (JetStream pull requests).
    pub const NOT_FOUND: StatusCode = StatusCode(404);
    /// `408`: the request timed out on the server side (async-nats' `TIMEOUT`).
    pub const TIMEOUT: StatusCode = StatusCode(408);
    /// `409`: the server ended the request (e.g. a JetStream pull that exceeded a limit).
    pub const REQUEST_TERMINATED: StatusCode = StatusCode(409);
    /// `503`: nobody is subscribed to the subject of a request.
    pub const NO_RESPONDERS: StatusCode = StatusCode(503);

    /// A status from its numeric value; `None` unless it has exactly three digits.
    pub fn new(code: u16) -> Option<Self> {
        (100..=999).contains(&code).then_some(StatusCode(code))
    }

    /// async-nats' name for [`StatusCode::new`].
    pub fn from_u16(code: u16) -> Option<Self> {
        Self::new(code)
    }

    /// The numeric value, e.g. `503`.
    pub fn as_u16(self) -> u16 {
        self.0
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why a header name, value or block was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// Names must be non-empty printable ASCII without `:` or whitespace.
    #[error("invalid header name {}: use printable ASCII without ':' or whitespace", Quoted(.0))]
    InvalidName(String),
    /// Values must not contain CR or LF, which would end the header line early.
    #[error("invalid value for header {}: it contains CR or LF", Quoted(.name))]
    InvalidValue {
        /// The header the value was given for.
        name: String,
    },
    /// Part of a received block could not be read: no `NATS/1.0` version line, a status that
    /// is not three digits, a line without `:`, an invalid name, a value that is not UTF-8 or
    /// holds a CR, or no blank line at the end. Receiving reports it next to the message
    /// ([`HeaderMap::decode_lenient`]); it never fails the stream.
    #[error("malformed header block: {0}")]
    Malformed(String),
}

/// Headers of one message: ordered, case preserved, repeats allowed; plus the optional status
/// line (`NATS/1.0 503`) that servers use for control messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderMap {
    entries: Vec<(String, String)>,
    status: Option<StatusCode>,
    description: Option<String>,
}

impl HeaderMap {
    /// An empty header map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a value under `name`, keeping any earlier values for the same name.
    pub fn append(
        &mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<(), HeaderError> {
        let (name, value) = (name.into(), value.into());
        validate_name(&name)?;
        if value.contains(['\r', '\n']) {
            return Err(HeaderError::InvalidValue { name });
        }
        self.entries.push((name, value));
        Ok(())
    }

    /// Replaces every value under `name` (compared case-insensitively) with `value`.
    pub fn insert(
        &mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<(), HeaderError> {
        let name = name.into();
        validate_name(&name)?;
        self.entries.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        self.append(name, value)
    }

    /// The first value under `name`, compared case-insensitively.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value under `name`, compared case-insensitively, in the order received.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every `(name, value)` pair in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Number of `(name, value)` pairs.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no `(name, value)` pairs (a status may still be set).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The status from the version line, if the sender put one there.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// The text after the status on the version line, e.g. `Request Timeout`.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Sets the status line; servers do this, clients normally do not.
    pub fn set_status(&mut self, status: StatusCode, description: Option<String>) {
        self.status = Some(status);
        self.description = description.filter(|d| !d.contains(['\r', '\n']));
    }

    /// Number of bytes [`HeaderMap::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        let mut len = VERSION_LINE.len() + 2 + 2;
        if self.status.is_some() {
            len += 4; // a space and three digits
            if let Some(d) = &self.description {
                len += 1 + d.len();
            }
        }
        for (n, v) in &self.entries {
            len += n.len() + 2 + v.len() + 2;
        }
        len
    }

    /// Writes the block, from `NATS/1.0` through the blank line that ends it.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(VERSION_LINE);
        if let Some(status) = self.status {
            out.push(b' ');
            out.extend_from_slice(status.to_string().as_bytes());
            if let Some(d) = &self.description {
                out.push(b' ');
                out.extend_from_slice(d.as_bytes());
            }
        }
        out.extend_from_slice(b"\r\n");
        for (n, v) in &self.entries {
            out.extend_from_slice(n.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
    }

    /// Parses a complete received block (`#hdr` bytes of an HMSG) strictly: any problem that
    /// [`HeaderMap::decode_lenient`] reports is an error.
    pub fn decode(block: &[u8]) -> Result<Self, HeaderError> {
        match Self::decode_lenient(block) {
            (map, None) => Ok(map),
            (_, Some(problem)) => Err(problem),
        }
    }

    /// Reads what can be read of a received block, as the server forwards blocks unchanged:
    /// returns the map and the first problem found, if any. The map holds only what
    /// [`HeaderMap::append`] would accept, so it can be sent on as it is: a line without `:`,
    /// a name that is not a valid header name, or a value with a lone CR is left out; a value
    /// that is not UTF-8 is kept with U+FFFD in place of the bad bytes; a version line that is
    /// not `NATS/1.0`, or a status that is not three digits, leaves the status unset.
    pub fn decode_lenient(block: &[u8]) -> (Self, Option<HeaderError>) {
        let mut map = HeaderMap::new();
        let mut problem = None;
        let mut note = |what: String| {
            problem.get_or_insert(HeaderError::Malformed(what));
        };
        let body = match block
            .strip_suffix(b"\r\n\r\n")
            .or_else(|| block.strip_suffix(b"\r\n"))
        {
            Some(body) => body,
            None => {
                note("missing the blank line that ends it".into());
                block
            }
        };
        let mut lines = body
            .split(|b| *b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let version = lines.next().unwrap_or_default();
        match version.strip_prefix(VERSION_LINE) {
            Some(rest) => map.read_status(rest, &mut note),
            None => note(format!("bad version line {}", lossy(version))),
        }
        for line in lines.filter(|l| !l.is_empty()) {
            let mut parts = line.splitn(2, |b| *b == b':');
            let (name, value) = match (parts.next(), parts.next()) {
                (Some(name), Some(value)) => (trim_blanks(name), trim_start_blanks(value)),
                _ => {
                    note(format!("line without ':' {}", lossy(line)));
                    continue;
                }
            };
            let Some(name) = std::str::from_utf8(name)
                .ok()
                .filter(|n| validate_name(n).is_ok())
            else {
                note(format!("invalid header name {}", lossy(name)));
                continue;
            };
            let value = match std::str::from_utf8(value) {
                Ok(v) => v.to_owned(),
                Err(_) => {
                    note(format!(
                        "value of header {} is not UTF-8",
                        lossy(name.as_bytes())
                    ));
                    String::from_utf8_lossy(value).into_owned()
                }
            };
            if value.contains(['\r', '\n']) {
                note(format!(
                    "value of header {} contains CR",
                    lossy(name.as_bytes())
                ));
                continue;
            }
            map.entries.push((name.to_owned(), value));
        }
        (map, problem)
    }

    /// Reads `[ <3-digit status>[ <description>]]`, what follows `NATS/1.0` on the version line.
    fn read_status(&mut self, rest: &[u8], note: &mut impl FnMut(String)) {
        if rest.is_empty() {
            return;
        }
        let spaced = trim_start_blanks(rest);
        if spaced.len() == rest.len() {
            note(format!("bad version line {}", lossy(rest)));
            return;
        }
        let mut parts = spaced.splitn(2, |b| *b == b' ' || *b == b'\t');
        let code = parts.next().unwrap_or_default();
        let description = trim_blanks(parts.next().unwrap_or_default());
        if std::str::from_utf8(description).is_err() {
            note("status description is not UTF-8".into());
        }
        let description = String::from_utf8_lossy(description);
        let status = std::str::from_utf8(code)
            .ok()
            .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|c| c.parse::<u16>().ok())
            .and_then(StatusCode::new);
        match status {
            Some(status) => {
                let description = (!description.is_empty()).then(|| description.into_owned());
                self.set_status(status, description);
            }
            None if code.is_empty() => {}
            None => note(format!("bad status {}", lossy(code))),
        }
    }
}

/// Received bytes as quoted text for an error message: bad UTF-8 replaced, and cut after
/// [`SHOWN`] bytes, since a block may be megabytes long.
fn lossy(bytes: &[u8]) -> String {
    let (shown, more) = match bytes.get(..SHOWN) {
        Some(start) if bytes.len() > SHOWN => (start, "..."),
        _ => (bytes, ""),
    };
    format!("{}{more}", Quoted(&String::from_utf8_lossy(shown)))
}

/// How many bytes of a bad line an error message shows.
const SHOWN: usize = 80;

fn is_blank(b: &u8) -> bool {
    *b == b' ' || *b == b'\t'
}

fn trim_start_blanks(bytes: &[u8]) -> &[u8] {
    let mut rest = bytes;
    while let Some((first, tail)) = rest.split_first() {
        if !is_blank(first) {
            break;
        }
        rest = tail;
    }
    rest
}

fn trim_blanks(bytes: &[u8]) -> &[u8] {
    let mut rest = trim_start_blanks(bytes);
    while let Some((last, head)) = rest.split_last() {
        if !is_blank(last) {
            break;
        }
        rest = head;
    }
    rest
}

fn validate_name(name: &str) -> Result<(), HeaderError> {
    let ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':');
    if ok {
        Ok(())
    } else {
        Err(HeaderError::InvalidName(name.to_owned()))
    }
}

#[cfg(test)]
#[path = "headers_tests.rs"]
mod tests;
