//! Incremental parsing of server operations, in the style of `httparse`: give it everything
//! received so far; it returns one complete operation and how many bytes it used, or
//! [`Parsed::Partial`] without using any, so the caller keeps the bytes and appends the next
//! chunk. Nothing here panics or buffers on its own; limits bound what a caller must keep.

use super::{json, HeaderMap, MsgOp, Quoted, ServerOp};

/// Bounds on what the parser accepts, so a misbehaving peer cannot make the caller buffer
/// without limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseLimits {
    /// Longest control line (the op name and its arguments), CRLF excluded.
    pub max_control_line: usize,
    /// Longest `INFO` line: it lists cluster URLs, so it may exceed `max_control_line`.
    pub max_info_line: usize,
    /// Largest `MSG`/`HMSG` body (headers plus payload).
    pub max_payload: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_control_line: 4096,
            max_info_line: 64 * 1024,
            max_payload: 1024 * 1024,
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
/// be trusted, so the connection closes with it.
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
    /// A size that is not a non-negative decimal number.
    #[error("invalid size {}: expected a non-negative decimal number", Quoted(.0))]
    InvalidSize(String),
    /// `HMSG` header length greater than its total length.
    #[error("header length {hdr} exceeds total length {total}")]
    HeaderLongerThanTotal {
        /// `#hdr`.
        hdr: usize,
        /// `#total`.
        total: usize,
    },
    /// A message body larger than the limit.
    #[error("message body of {size} bytes exceeds the limit of {limit} bytes")]
    PayloadTooLarge {
        /// Announced size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The body was not followed by CRLF.
    #[error("message body not followed by CRLF")]
    MissingPayloadTerminator,
    /// The `HMSG` header block could not be read.
    #[error("invalid header block: {0}")]
    InvalidHeaders(String),
    /// The `INFO` body is not the JSON the protocol describes.
    #[error("invalid INFO: {0}")]
    InvalidInfo(String),
    /// Subject or reply subject is not UTF-8.
    #[error("subject is not UTF-8")]
    NonUtf8Subject,
}

/// Parses the first server operation in `buf`.
pub fn parse_server_op(buf: &[u8], limits: &ParseLimits) -> Result<Parsed<ServerOp>, ParseError> {
    let line_limit = if starts_with_ignore_case(buf, b"INFO") {
        limits.max_info_line
    } else {
        limits.max_control_line
    };
    let Some(line_len) = find_crlf(&buf[..buf.len().min(line_limit + 2)]) else {
        if buf.len() > line_limit + 1 {
            return Err(ParseError::ControlLineTooLong { limit: line_limit });
        }
        return Ok(Parsed::Partial);
    };
    let line = &buf[..line_len];
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
        b"MSG" => parse_msg(buf, line, args, after_line, limits, false),
        b"HMSG" => parse_msg(buf, line, args, after_line, limits, true),
        _ => Err(ParseError::UnknownOp(
            String::from_utf8_lossy(name).into_owned(),
        )),
    }
}

fn parse_msg(
    buf: &[u8],
    line: &[u8],
    args: &[u8],
    body_start: usize,
    limits: &ParseLimits,
    with_headers: bool,
) -> Result<Parsed<ServerOp>, ParseError> {
    let op = if with_headers { "HMSG" } else { "MSG" };
    let fields: Vec<&[u8]> = args
        .split(|b| *b == b' ' || *b == b'\t')
        .filter(|f| !f.is_empty())
        .collect();
    let sizes = if with_headers { 2 } else { 1 };
    if fields.len() != 2 + sizes && fields.len() != 3 + sizes {
        return Err(ParseError::InvalidArguments {
            op,
            line: String::from_utf8_lossy(line).into_owned(),
        });
    }
    let subject = utf8(fields[0])?;
    let sid = parse_number(fields[1])? as u64;
    let reply = (fields.len() == 3 + sizes)
        .then(|| utf8(fields[2]))
        .transpose()?;
    let total = parse_number(fields[fields.len() - 1])?;
    let hdr = if with_headers {
        parse_number(fields[fields.len() - 2])?
    } else {
        0
    };
    if hdr > total {
        return Err(ParseError::HeaderLongerThanTotal { hdr, total });
    }
    if total > limits.max_payload {
        return Err(ParseError::PayloadTooLarge {
            size: total,
            limit: limits.max_payload,
        });
    }
    let body_end = body_start + total;
    if buf.len() < body_end + 2 {
        return Ok(Parsed::Partial);
    }
    if &buf[body_end..body_end + 2] != b"\r\n" {
        return Err(ParseError::MissingPayloadTerminator);
    }
    let headers = with_headers
        .then(|| HeaderMap::decode(&buf[body_start..body_start + hdr]))
        .transpose()
        .map_err(|e| ParseError::InvalidHeaders(e.to_string()))?;
    let op = ServerOp::Msg(MsgOp {
        subject: subject.to_owned(),
        sid,
        reply: reply.map(str::to_owned),
        headers,
        payload: buf[body_start + hdr..body_end].to_vec(),
    });
    Ok(Parsed::Complete {
        op,
        len: body_end + 2,
    })
}

fn find_crlf(buf: &[u8]) -> Option<usize> {
    buf.windows(2).position(|w| w == b"\r\n")
}

fn starts_with_ignore_case(buf: &[u8], prefix: &[u8]) -> bool {
    buf.len() >= prefix.len() && buf[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Splits a control line into the op name and the rest, at the first space or tab.
fn split_op_name(line: &[u8]) -> (&[u8], &[u8]) {
    match line.iter().position(|b| *b == b' ' || *b == b'\t') {
        Some(i) => (&line[..i], &line[i + 1..]),
        None => (line, &[]),
    }
}

fn trim(bytes: &[u8]) -> &[u8] {
    let is_space = |b: &u8| *b == b' ' || *b == b'\t';
    let start = bytes
        .iter()
        .position(|b| !is_space(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

fn error_text(args: &[u8]) -> String {
    let text = String::from_utf8_lossy(trim(args));
    let text = text.trim();
    text.strip_prefix('\'')
        .and_then(|t| t.strip_suffix('\''))
        .unwrap_or(text)
        .to_owned()
}

fn utf8(bytes: &[u8]) -> Result<&str, ParseError> {
    std::str::from_utf8(bytes).map_err(|_| ParseError::NonUtf8Subject)
}

/// A decimal size or sid: digits only, no sign, at most 19 digits so it cannot overflow.
fn parse_number(bytes: &[u8]) -> Result<usize, ParseError> {
    let invalid = || ParseError::InvalidSize(String::from_utf8_lossy(bytes).into_owned());
    if bytes.is_empty() || bytes.len() > 19 || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(invalid());
    }
    bytes
        .iter()
        .try_fold(0usize, |n, d| {
            n.checked_mul(10)?.checked_add((d - b'0') as usize)
        })
        .ok_or_else(invalid)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "parser_tests.rs"]
mod tests;
