//! Incremental parsing of server operations, in the style of `httparse`: give it everything
//! received so far; it returns one complete operation and how many bytes it used, or
//! [`Parsed::Partial`] without using any, so the caller keeps the bytes and appends the next
//! chunk. Nothing here panics or buffers on its own; limits bound what a caller must keep.

use super::{json, HeaderMap, MsgOp, Quoted, ServerOp};

/// Bounds on what the parser accepts, so a misbehaving peer cannot make the caller buffer
/// without limit. They are hard caps on memory, set well above anything a nats-server
/// legitimately sends, not the server's own limits: the server's `max_control_line` and
/// `max_payload` bound what it *receives*, and what it delivers can exceed both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseLimits {
    /// Longest control line (the op name and its arguments), CRLF excluded. Default 64 KiB: a
    /// server takes up to `max_control_line` (default 4096) bytes of `PUB` arguments and
    /// delivers them with the sid added, and `-ERR 'Permissions Violation ... "<subject>"'`
    /// quotes a subject (and queue group) of that size; 64 KiB leaves room for servers
    /// configured with a control line up to 16 times the default.
    pub max_control_line: usize,
    /// Longest `INFO` line: it lists cluster URLs, so it may exceed what a message line needs.
    /// Default 64 KiB.
    pub max_info_line: usize,
    /// Largest `MSG`/`HMSG` body (headers plus payload). Default 64 MiB. This is not the
    /// server's `max_payload`: in a cluster a server delivers messages routed from a peer with
    /// a larger one. nats-server refuses a `max_payload` above its `max_pending`, whose
    /// default is 64 MiB (it warns above 8 MiB), so a server with the default `max_pending`
    /// never delivers more; one that raised both (up to 2 GiB) needs a larger cap here.
    pub max_body: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_control_line: 64 * 1024,
            max_info_line: 64 * 1024,
            max_body: 64 * 1024 * 1024,
        }
    }
}

/// The outcome of one call to [`parse_server_op`] that did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed<T> {
    /// A whole operation, which used the first `len` bytes of the input.
    Complete {
        /// The operation.
        op: T,
        /// Bytes of input it used, control line, payload and CRLFs included.
        len: usize,
    },
    /// The input holds only the start of an operation: append more bytes and call again.
    Partial,
}

/// Why received bytes are not a valid server operation. Each one means the stream can no longer
/// be trusted. What a real server forwards unchanged from a publisher (an odd header block, a
/// subject that is not UTF-8) is never one of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// No CRLF within the control line limit.
    #[error("control line longer than {limit} bytes")]
    ControlLineTooLong {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// An operation name the protocol does not have.
    #[error("unknown protocol operation {}", Quoted(.0))]
    UnknownOp(String),
    /// Wrong number or form of arguments for a known operation.
    #[error("malformed {op} arguments: {}", Quoted(.line))]
    InvalidArguments {
        /// The operation, upper case.
        op: &'static str,
        /// The control line, lossily decoded.
        line: String,
    },
    /// A size that is not a decimal number (digits only, no sign).
    #[error("invalid size {}: expected a non-negative decimal number", Quoted(.0))]
    InvalidSize(String),
    /// A subscription id that is not a decimal number that fits 64 bits.
    #[error("invalid subscription id {}: expected a non-negative decimal number", Quoted(.0))]
    InvalidSid(String),
    /// `HMSG` header length greater than its total length.
    #[error("header length {hdr} exceeds total length {total}")]
    HeaderLongerThanTotal {
        /// `#hdr`.
        hdr: usize,
        /// `#total`.
        total: usize,
    },
    /// A message size (`#bytes`, `#hdr` or `#total`) larger than [`ParseLimits::max_body`],
    /// including one too large for this platform's `usize` (32 bits on wasm32).
    #[error("message size {size} exceeds the limit of {limit} bytes")]
    PayloadTooLarge {
        /// The size as it was announced, in decimal (cut short if very long).
        size: String,
        /// The limit.
        limit: usize,
    },
    /// The body was not followed by CRLF.
    #[error("message body not followed by CRLF")]
    MissingPayloadTerminator,
    /// The `INFO` body is not the JSON the protocol describes.
    #[error("invalid INFO: {0}")]
    InvalidInfo(String),
}

/// Parses the first server operation in `buf`.
pub fn parse_server_op(buf: &[u8], limits: &ParseLimits) -> Result<Parsed<ServerOp>, ParseError> {
    let line_limit = if starts_with_ignore_case(buf, b"INFO") {
        limits.max_info_line
    } else {
        limits.max_control_line
    };
    let window = buf.get(..line_limit.saturating_add(2)).unwrap_or(buf);
    let Some(line_len) = find_crlf(window) else {
        if buf.len() > line_limit.saturating_add(1) {
            return Err(ParseError::ControlLineTooLong { limit: line_limit });
        }
        return Ok(Parsed::Partial);
    };
    // `find_crlf` found CRLF at `line_len`, so `line_len + 2 <= buf.len()`.
    let Some((line, after)) = buf.split_at_checked(line_len) else {
        return Ok(Parsed::Partial);
    };
    let body = after.get(2..).unwrap_or_default();
    let after_line = line_len + 2;
    let (name, args) = split_op_name(line);
    let simple = |op| {
        Ok(Parsed::Complete {
            op,
            len: after_line,
        })
    };
    match name.to_ascii_uppercase().as_slice() {
        b"PING" => simple(ServerOp::Ping),
        b"PONG" => simple(ServerOp::Pong),
        b"+OK" => simple(ServerOp::Ok),
        b"-ERR" => simple(ServerOp::Err(error_text(args))),
        b"INFO" => {
            let info = json::read_server_info(trim(args))
                .map_err(|e| ParseError::InvalidInfo(e.to_string()))?;
            simple(ServerOp::Info(Box::new(info)))
        }
        b"MSG" => {
            parse_msg(line, args, body, limits, false).map(|p| p.map_len(|len| after_line + len))
        }
        b"HMSG" => {
            parse_msg(line, args, body, limits, true).map(|p| p.map_len(|len| after_line + len))
        }
        _ => Err(ParseError::UnknownOp(
            String::from_utf8_lossy(name).into_owned(),
        )),
    }
}

impl<T> Parsed<T> {
    fn map_len(self, f: impl FnOnce(usize) -> usize) -> Self {
        match self {
            Parsed::Complete { op, len } => Parsed::Complete { op, len: f(len) },
            Parsed::Partial => Parsed::Partial,
        }
    }
}

/// Parses the arguments of `MSG`/`HMSG` and takes the body from the start of `body` (the
/// bytes after the control line); the returned length counts from there.
fn parse_msg(
    line: &[u8],
    args: &[u8],
    body: &[u8],
    limits: &ParseLimits,
    with_headers: bool,
) -> Result<Parsed<ServerOp>, ParseError> {
    let op = if with_headers { "HMSG" } else { "MSG" };
    let invalid = || ParseError::InvalidArguments {
        op,
        line: String::from_utf8_lossy(line).into_owned(),
    };
    let fields = args
        .split(|b| *b == b' ' || *b == b'\t')
        .filter(|f| !f.is_empty());
    // One slot more than the longest form, so that an extra argument is noticed.
    let mut slots = [&[][..]; 6];
    let mut count = 0;
    for (slot, field) in slots.iter_mut().zip(fields) {
        *slot = field;
        count += 1;
    }
    let (subject, sid, reply, hdr, total_text) = match (with_headers, slots.get(..count)) {
        (false, Some(&[s, i, t])) => (s, i, None, None, t),
        (false, Some(&[s, i, r, t])) => (s, i, Some(r), None, t),
        (true, Some(&[s, i, h, t])) => (s, i, None, Some(h), t),
        (true, Some(&[s, i, r, h, t])) => (s, i, Some(r), Some(h), t),
        _ => return Err(invalid()),
    };
    let sid = parse_sid(sid)?;
    let total = parse_size(total_text, limits.max_body)?;
    let hdr = hdr.map(|h| parse_size(h, limits.max_body)).transpose()?;
    if let Some(hdr) = hdr.filter(|h| *h > total) {
        return Err(ParseError::HeaderLongerThanTotal { hdr, total });
    }
    let Some(with_crlf) = total.checked_add(2) else {
        return Err(too_large(total_text, limits.max_body));
    };
    let Some(whole) = body.get(..with_crlf) else {
        return Ok(Parsed::Partial);
    };
    // `whole` is `total + 2` bytes long and `hdr <= total`, so neither split can fail.
    let Some((content, terminator)) = whole.split_at_checked(total) else {
        return Ok(Parsed::Partial);
    };
    if terminator != b"\r\n" {
        return Err(ParseError::MissingPayloadTerminator);
    }
    let Some((block, payload)) = content.split_at_checked(hdr.unwrap_or(0)) else {
        return Err(ParseError::HeaderLongerThanTotal {
            hdr: hdr.unwrap_or(0),
            total,
        });
    };
    // An empty block (`HPUB x 0 2`, forwarded as is) carries no headers, as nats.go reads it.
    let (headers, raw_headers, header_error) = if block.is_empty() {
        (None, None, None)
    } else {
        let (map, problem) = HeaderMap::decode_lenient(block);
        (Some(map), Some(block.to_vec()), problem)
    };
    let op = ServerOp::Msg(MsgOp {
        subject: lossy(subject),
        sid,
        reply: reply.map(lossy),
        headers,
        raw_headers,
        header_error,
        payload: payload.to_vec(),
    });
    Ok(Parsed::Complete { op, len: with_crlf })
}

fn find_crlf(buf: &[u8]) -> Option<usize> {
    buf.windows(2).position(|w| w == b"\r\n")
}

fn starts_with_ignore_case(buf: &[u8], prefix: &[u8]) -> bool {
    buf.get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

/// Splits a control line into the op name and the rest, at the first space or tab.
fn split_op_name(line: &[u8]) -> (&[u8], &[u8]) {
    let mut parts = line.splitn(2, |b| *b == b' ' || *b == b'\t');
    (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    )
}

fn trim(bytes: &[u8]) -> &[u8] {
    let is_space = |b: &u8| *b == b' ' || *b == b'\t';
    let mut rest = bytes;
    while let Some((_, tail)) = rest.split_first().filter(|(b, _)| is_space(b)) {
        rest = tail;
    }
    while let Some((_, head)) = rest.split_last().filter(|(b, _)| is_space(b)) {
        rest = head;
    }
    rest
}

fn error_text(args: &[u8]) -> String {
    let text = String::from_utf8_lossy(trim(args));
    let text = text.trim();
    text.strip_prefix('\'')
        .and_then(|t| t.strip_suffix('\''))
        .unwrap_or(text)
        .to_owned()
}

/// A subject or reply subject as text. The server forwards subjects as bytes, so one that is
/// not UTF-8 is delivered with U+FFFD in place of the bad bytes rather than refused.
fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn parse_sid(bytes: &[u8]) -> Result<u64, ParseError> {
    let invalid = || ParseError::InvalidSid(shown_number(bytes));
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(invalid());
    }
    bytes
        .iter()
        .try_fold(0u64, |n, d| {
            n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        })
        .ok_or_else(invalid)
}

/// A decimal size: digits only, no sign, at most `limit`. A size too large for `usize` is
/// over any limit, and is reported as such.
fn parse_size(bytes: &[u8], limit: usize) -> Result<usize, ParseError> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(ParseError::InvalidSize(shown_number(bytes)));
    }
    bytes
        .iter()
        .try_fold(0usize, |n, d| {
            n.checked_mul(10)?.checked_add(usize::from(d - b'0'))
        })
        .filter(|size| *size <= limit)
        .ok_or_else(|| too_large(bytes, limit))
}

fn too_large(size: &[u8], limit: usize) -> ParseError {
    ParseError::PayloadTooLarge {
        size: shown_number(size),
        limit,
    }
}

/// A received number for an error message, cut short: a control line may hold kilobytes of it.
fn shown_number(bytes: &[u8]) -> String {
    const SHOWN: usize = 40;
    match bytes.get(..SHOWN) {
        Some(start) if bytes.len() > SHOWN => format!("{}...", String::from_utf8_lossy(start)),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

#[cfg(test)]
#[path = "parser_tests.rs"]
mod tests;
