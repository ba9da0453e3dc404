//! The JSON of `INFO` and `CONNECT`, read and written by hand: a reader for one [`ServerInfo`]
//! and writers for [`ServerInfo`] and [`ConnectInfo`]. They replace serde and serde_json, which
//! were a large part of the client's wasm, and accept and write exactly what those did (the
//! tests check that against serde_json itself):
//!
//! * The reader takes any valid JSON document (RFC 8259) whose top level is an object. Members
//!   it does not know are skipped whatever they hold; known members must have the field's JSON
//!   type (a string, `true`/`false`, an array of strings, `null` only for `nonce` and `cluster`)
//!   and, for integer fields, be an integer in the field's range, written without fraction or
//!   exponent (out of range is an error, never clamped). A known member given twice is an error.
//!   A member left out keeps its default. Strings that are read must be UTF-8 with paired
//!   surrogate escapes; strings that are skipped need only well-formed escapes (serde_json did
//!   not decode them either).
//! * As serde did, a top-level array is read positionally, in field declaration order; the
//!   fields it does not reach keep their defaults.
//! * Nothing recurses: nested values are skipped with a stack on the heap, at most one byte per
//!   nesting level, so it is bounded by the input, which the parser bounds by
//!   [`super::ParseLimits::max_info_line`]. Nothing panics.
//! * Errors say what was wrong, in which member and at which byte; the wording is ours, not
//!   serde_json's.
//! * The writers write compact JSON, fields in declaration order, `CONNECT` leaving out the
//!   options that are `None`, strings escaped as serde_json does (`\"`, `\\`, `\b`, `\f`, `\n`,
//!   `\r`, `\t`, other control characters as `\u00XX`; everything else as is).

use std::fmt;

use super::encode::push_number;
use super::{ConnectInfo, ServerInfo};

/// Why a document is not an `INFO` body we can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What was wrong.
    what: &'static str,
    /// The member whose value it was, if any.
    field: Option<&'static str>,
    /// Byte offset in the document.
    at: usize,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(field) = self.field {
            write!(f, "`{field}`: ")?;
        }
        write!(f, "{} at byte {}", self.what, self.at)
    }
}

/// The members of [`ServerInfo`], in declaration order; [`Reader::field`] reads them by index.
const SERVER_INFO_FIELDS: [&str; 16] = [
    "server_id",
    "server_name",
    "version",
    "proto",
    "host",
    "port",
    "headers",
    "max_payload",
    "auth_required",
    "tls_required",
    "nonce",
    "connect_urls",
    "ldm",
    "client_id",
    "client_ip",
    "cluster",
];

/// Reads an `INFO` body: one JSON value, optionally surrounded by whitespace.
pub fn read_server_info(json: &[u8]) -> Result<ServerInfo, Error> {
    let mut r = Reader { json, pos: 0 };
    let mut info = ServerInfo::default();
    match r.peek() {
        Some(b'{') => r.server_info_object(&mut info)?,
        Some(b'[') => r.server_info_array(&mut info)?,
        _ => return Err(r.error("expected an object")),
    }
    match r.peek() {
        None => Ok(info),
        Some(_) => Err(r.error("unexpected characters after the object")),
    }
}

/// A cursor over a JSON document. Every method leaves `pos` after what it read.
pub(crate) struct Reader<'a> {
    pub(crate) json: &'a [u8],
    pub(crate) pos: usize,
}

impl Reader<'_> {
    pub(crate) fn error(&self, what: &'static str) -> Error {
        Error {
            what,
            field: None,
            at: self.pos,
        }
    }

    /// What is left to read. `pos` only moves over bytes that exist, so this is never cut
    /// short; `get` keeps it from panicking should that ever change.
    fn rest(&self) -> &[u8] {
        self.json.get(self.pos..).unwrap_or_default()
    }

    /// Skips whitespace and returns the next byte, without using it.
    pub(crate) fn peek(&mut self) -> Option<u8> {
        while let Some(&b) = self.json.get(self.pos) {
            if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(b);
            }
            self.pos += 1;
        }
        None
    }

    /// Skips whitespace and uses `byte`, which must come next.
    pub(crate) fn expect(&mut self, byte: u8, what: &'static str) -> Result<(), Error> {
        if self.peek() != Some(byte) {
            return Err(self.error(what));
        }
        self.pos += 1;
        Ok(())
    }

    /// After the `{` or `[` of a container: uses `,` (more to come, `true`) or `close` (`false`).
    pub(crate) fn next_or_close(&mut self, close: u8) -> Result<bool, Error> {
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(b) if b == close => {
                self.pos += 1;
                Ok(false)
            }
            _ if close == b'}' => Err(self.error("expected `,` or `}`")),
            _ => Err(self.error("expected `,` or `]`")),
        }
    }

    fn server_info_object(&mut self, info: &mut ServerInfo) -> Result<(), Error> {
        self.pos += 1; // `{`
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        let mut seen = 0u32;
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a member name"));
            }
            let name_at = self.pos;
            let name = self.string()?;
            self.expect(b':', "expected `:`")?;
            match SERVER_INFO_FIELDS.iter().position(|f| *f == name) {
                Some(i) if seen & (1 << i) != 0 => {
                    return Err(Error {
                        what: "member given twice",
                        field: SERVER_INFO_FIELDS.get(i).copied(),
                        at: name_at,
                    });
                }
                Some(i) => {
                    seen |= 1 << i;
                    self.field(info, i)?;
                }
                None => self.skip_value()?,
            }
            if !self.next_or_close(b'}')? {
                return Ok(());
            }
        }
    }

    /// The positional form serde also accepted: `["id", "name", "2.9.10", 1, ...]`.
    fn server_info_array(&mut self, info: &mut ServerInfo) -> Result<(), Error> {
        self.pos += 1; // `[`
        for i in 0..SERVER_INFO_FIELDS.len() {
            if self.peek() == Some(b']') && i == 0 {
                self.pos += 1;
                return Ok(());
            }
            self.field(info, i)?;
            if !self.next_or_close(b']')? {
                return Ok(());
            }
        }
        Err(self.error("more elements than `INFO` has members"))
    }

    /// Reads the value of member `index` of [`SERVER_INFO_FIELDS`] into `info`.
    fn field(&mut self, info: &mut ServerInfo, index: usize) -> Result<(), Error> {
        let read = match index {
            0 => self.string().map(|v| info.server_id = v),
            1 => self.string().map(|v| info.server_name = v),
            2 => self.string().map(|v| info.version = v),
            3 => self.integer().map(|v| info.proto = v),
            4 => self.string().map(|v| info.host = v),
            5 => self.integer().map(|v| info.port = v),
            6 => self.bool().map(|v| info.headers = v),
            7 => self.integer().map(|v| info.max_payload = v),
            8 => self.bool().map(|v| info.auth_required = v),
            9 => self.bool().map(|v| info.tls_required = v),
            10 => self.nullable_string().map(|v| info.nonce = v),
            11 => self.strings().map(|v| info.connect_urls = v),
            12 => self.bool().map(|v| info.ldm = v),
            13 => self.integer().map(|v| info.client_id = v),
            14 => self.string().map(|v| info.client_ip = v),
            _ => self.nullable_string().map(|v| info.cluster = v),
        };
        read.map_err(|e| Error {
            field: SERVER_INFO_FIELDS.get(index).copied(),
            ..e
        })
    }

    /// `true` or `false`.
    fn bool(&mut self) -> Result<bool, Error> {
        if self.literal(b"true") {
            Ok(true)
        } else if self.literal(b"false") {
            Ok(false)
        } else {
            Err(self.error("expected `true` or `false`"))
        }
    }

    /// Uses `word` if it comes next.
    pub(crate) fn literal(&mut self, word: &[u8]) -> bool {
        self.peek();
        let found = self.rest().starts_with(word);
        if found {
            self.pos += word.len();
        }
        found
    }

    /// An integer that fits `T`, written as an integer: no fraction, no exponent, not `-0`
    /// (which JSON parsers read as a float).
    pub(crate) fn integer<T: TryFrom<u64> + TryFrom<i64>>(&mut self) -> Result<T, Error> {
        self.peek();
        let start = self.pos;
        let negative = self.json.get(self.pos) == Some(&b'-');
        if negative {
            self.pos += 1;
        }
        let digits = self.digits();
        if digits == 0 {
            return Err(self.error("expected an integer"));
        }
        let text = self
            .json
            .get(self.pos.saturating_sub(digits)..self.pos)
            .unwrap_or_default();
        if digits > 1 && text.first() == Some(&b'0') {
            return Err(self.error("leading zero in a number"));
        }
        if matches!(self.json.get(self.pos), Some(b'.' | b'e' | b'E')) {
            return Err(self.error("expected an integer, not a fraction or exponent"));
        }
        let out_of_range = Error {
            what: "integer out of range",
            field: None,
            at: start,
        };
        let magnitude = text
            .iter()
            .try_fold(0u64, |n, d| {
                n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
            })
            .ok_or_else(|| out_of_range.clone())?;
        let value = if negative {
            match 0i64.checked_sub_unsigned(magnitude) {
                Some(v) if v < 0 => T::try_from(v).ok(),
                _ => None,
            }
        } else {
            T::try_from(magnitude).ok()
        };
        value.ok_or(out_of_range)
    }

    /// Uses a run of ASCII digits and returns its length.
    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.json.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// `null` or a string.
    fn nullable_string(&mut self) -> Result<Option<String>, Error> {
        if self.literal(b"null") {
            return Ok(None);
        }
        self.string().map(Some)
    }

    /// An array of strings.
    fn strings(&mut self) -> Result<Vec<String>, Error> {
        self.expect(b'[', "expected an array of strings")?;
        let mut out = Vec::new();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(out);
        }
        loop {
            out.push(self.string()?);
            if !self.next_or_close(b']')? {
                return Ok(out);
            }
        }
    }

    /// A string, unescaped. It must be valid UTF-8, and a `\u` escape of a UTF-16 surrogate
    /// must be half of a pair.
    pub(crate) fn string(&mut self) -> Result<String, Error> {
        self.expect(b'"', "expected a string")?;
        let mut out = Vec::new();
        loop {
            let start = self.pos;
            self.skip_plain_chars();
            out.extend_from_slice(self.json.get(start..self.pos).unwrap_or_default());
            match self.json.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => {
                    self.pos += 1;
                    self.escape(&mut out)?;
                }
                Some(_) => return Err(self.error("control character in a string")),
                None => return Err(self.error("unterminated string")),
            }
        }
        String::from_utf8(out).map_err(|_| self.error("string is not UTF-8"))
    }

    /// Uses the bytes of a string up to its closing quote, a backslash or a control character.
    fn skip_plain_chars(&mut self) {
        while self
            .json
            .get(self.pos)
            .is_some_and(|&b| b != b'"' && b != b'\\' && b >= 0x20)
        {
            self.pos += 1;
        }
    }

    /// After a backslash: appends what the escape stands for.
    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        let byte = match self.json.get(self.pos) {
            Some(b'"') => b'"',
            Some(b'\\') => b'\\',
            Some(b'/') => b'/',
            Some(b'b') => 0x08,
            Some(b'f') => 0x0c,
            Some(b'n') => b'\n',
            Some(b'r') => b'\r',
            Some(b't') => b'\t',
            Some(b'u') => {
                self.pos += 1;
                let unit = self.hex4()?;
                let code = match unit {
                    0xDC00..=0xDFFF => return Err(self.error("unpaired UTF-16 surrogate")),
                    0xD800..=0xDBFF => {
                        if !self.rest().starts_with(b"\\u") {
                            return Err(self.error("unpaired UTF-16 surrogate"));
                        }
                        self.pos += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(self.error("unpaired UTF-16 surrogate"));
                        }
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00)
                    }
                    _ => u32::from(unit),
                };
                let c = char::from_u32(code).ok_or_else(|| self.error("invalid escape"))?;
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                return Ok(());
            }
            _ => return Err(self.error("invalid escape")),
        };
        self.pos += 1;
        out.push(byte);
        Ok(())
    }

    /// Four hex digits, as in `\uXXXX`.
    fn hex4(&mut self) -> Result<u16, Error> {
        let Some(hex) = self.rest().get(..4) else {
            return Err(self.error("unterminated string"));
        };
        let mut n = 0u16;
        for &h in hex {
            let digit = match h {
                b'0'..=b'9' => h - b'0',
                b'a'..=b'f' => h - b'a' + 10,
                b'A'..=b'F' => h - b'A' + 10,
                _ => return Err(self.error("invalid `\\u` escape")),
            };
            n = n << 4 | u16::from(digit);
        }
        self.pos += 4;
        Ok(n)
    }

    /// Skips a string whose value is not needed: its escapes must be well formed, but it may
    /// hold any bytes (as serde_json skipped them).
    fn skip_string(&mut self) -> Result<(), Error> {
        self.expect(b'"', "expected a string")?;
        loop {
            self.skip_plain_chars();
            match self.json.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.json.get(self.pos) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.pos += 1;
                        }
                        Some(b'u') => {
                            self.pos += 1;
                            self.hex4()?;
                        }
                        _ => return Err(self.error("invalid escape")),
                    }
                }
                Some(_) => return Err(self.error("control character in a string")),
                None => return Err(self.error("unterminated string")),
            }
        }
    }

    /// Skips a number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    pub(crate) fn skip_number(&mut self) -> Result<(), Error> {
        if self.json.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        let first = self.json.get(self.pos).copied();
        let digits = self.digits();
        if digits == 0 || (digits > 1 && first == Some(b'0')) {
            return Err(self.error("invalid number"));
        }
        if self.json.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if matches!(self.json.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.json.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        Ok(())
    }

    /// Skips any one value, however deeply nested, without recursing: `open` holds the closing
    /// bracket of each container we are in.
    pub(crate) fn skip_value(&mut self) -> Result<(), Error> {
        let mut open = Vec::new();
        loop {
            // A value, or the start of a container.
            match self.peek() {
                Some(b'{') => {
                    self.pos += 1;
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                    } else {
                        open.push(b'}');
                        self.skip_member_name()?;
                        continue;
                    }
                }
                Some(b'[') => {
                    self.pos += 1;
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                    } else {
                        open.push(b']');
                        continue;
                    }
                }
                Some(b'"') => self.skip_string()?,
                Some(b'-' | b'0'..=b'9') => self.skip_number()?,
                _ => {
                    if !(self.literal(b"true") || self.literal(b"false") || self.literal(b"null")) {
                        return Err(self.error("expected a value"));
                    }
                }
            }
            // After a value: close the containers it ends, up to one that goes on.
            loop {
                let Some(&close) = open.last() else {
                    return Ok(());
                };
                if self.next_or_close(close)? {
                    if close == b'}' {
                        self.skip_member_name()?;
                    }
                    break;
                }
                open.pop();
            }
        }
    }

    /// Skips `"name":` inside a skipped object.
    fn skip_member_name(&mut self) -> Result<(), Error> {
        if self.peek() != Some(b'"') {
            return Err(self.error("expected a member name"));
        }
        self.skip_string()?;
        self.expect(b':', "expected `:`")
    }
}

/// The members of a JWT's claims the client checks: `sub` (to whom it was issued) and `exp`
/// (when it expires, seconds since 1970; 0 or absent: never). Any other member is skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JwtClaims {
    /// `sub`: the public key the JWT was issued to.
    pub sub: Option<String>,
    /// `exp`: seconds since 1970 after which it is no longer valid.
    pub exp: Option<i64>,
}

#[cfg_attr(not(feature = "nkey"), allow(dead_code))]
/// Reads the claims of a JWT (its decoded middle part): an object, in which `sub` must be a
/// string and `exp` an integer when present (`null` counts as absent).
pub fn read_jwt_claims(json: &[u8]) -> Result<JwtClaims, Error> {
    let mut r = Reader { json, pos: 0 };
    let mut claims = JwtClaims::default();
    if r.peek() != Some(b'{') {
        return Err(r.error("expected an object"));
    }
    r.pos += 1;
    if r.peek() == Some(b'}') {
        r.pos += 1;
    } else {
        loop {
            if r.peek() != Some(b'"') {
                return Err(r.error("expected a member name"));
            }
            let name = r.string()?;
            r.expect(b':', "expected `:`")?;
            let null = r.literal(b"null");
            match name.as_str() {
                _ if null => {}
                "sub" => {
                    claims.sub = Some(r.string().map_err(|e| Error {
                        field: Some("sub"),
                        ..e
                    })?)
                }
                "exp" => {
                    claims.exp = Some(r.integer().map_err(|e| Error {
                        field: Some("exp"),
                        ..e
                    })?)
                }
                _ => r.skip_value()?,
            }
            if !r.next_or_close(b'}')? {
                break;
            }
        }
    }
    match r.peek() {
        None => Ok(claims),
        Some(_) => Err(r.error("unexpected characters after the object")),
    }
}

/// Writes `info` as the body of `CONNECT`.
pub fn write_connect_info(info: &ConnectInfo, out: &mut Vec<u8>) {
    let mut w = ObjectWriter::new(out);
    w.bool("verbose", info.verbose);
    w.bool("pedantic", info.pedantic);
    w.bool("tls_required", info.tls_required);
    w.optional_string("name", info.name.as_deref());
    w.string("lang", &info.lang);
    w.string("version", &info.version);
    w.number("protocol", u64::from(info.protocol));
    w.bool("echo", info.echo);
    w.bool("headers", info.headers);
    w.bool("no_responders", info.no_responders);
    w.optional_string("auth_token", info.auth_token.as_deref());
    w.optional_string("user", info.user.as_deref());
    w.optional_string("pass", info.pass.as_deref());
    w.optional_string("jwt", info.jwt.as_deref());
    w.optional_string("nkey", info.nkey.as_deref());
    w.optional_string("sig", info.sig.as_deref());
    w.end();
}

/// Writes `info` as the body of `INFO`, every member included (`null` for a missing nonce or
/// cluster).
pub fn write_server_info(info: &ServerInfo, out: &mut Vec<u8>) {
    let mut w = ObjectWriter::new(out);
    w.string("server_id", &info.server_id);
    w.string("server_name", &info.server_name);
    w.string("version", &info.version);
    w.name("proto");
    if info.proto < 0 {
        w.out.push(b'-');
    }
    push_number(w.out, u64::from(info.proto.unsigned_abs()));
    w.string("host", &info.host);
    w.number("port", u64::from(info.port));
    w.bool("headers", info.headers);
    w.number("max_payload", info.max_payload as u64);
    w.bool("auth_required", info.auth_required);
    w.bool("tls_required", info.tls_required);
    w.nullable_string("nonce", info.nonce.as_deref());
    w.name("connect_urls");
    w.out.push(b'[');
    for (i, url) in info.connect_urls.iter().enumerate() {
        if i > 0 {
            w.out.push(b',');
        }
        push_string(w.out, url);
    }
    w.out.push(b']');
    w.bool("ldm", info.ldm);
    w.number("client_id", info.client_id);
    w.string("client_ip", &info.client_ip);
    w.nullable_string("cluster", info.cluster.as_deref());
    w.end();
}

/// Writes one compact object, member by member.
pub(crate) struct ObjectWriter<'a> {
    pub(crate) out: &'a mut Vec<u8>,
    empty: bool,
}

impl<'a> ObjectWriter<'a> {
    pub(crate) fn new(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        ObjectWriter { out, empty: true }
    }

    /// Writes `"name":`, after a comma unless it is the first member.
    pub(crate) fn name(&mut self, name: &str) {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        push_string(self.out, name);
        self.out.push(b':');
    }

    fn bool(&mut self, name: &str, value: bool) {
        self.name(name);
        let text: &[u8] = if value { b"true" } else { b"false" };
        self.out.extend_from_slice(text);
    }

    pub(crate) fn number(&mut self, name: &str, value: u64) {
        self.name(name);
        push_number(self.out, value);
    }

    pub(crate) fn string(&mut self, name: &str, value: &str) {
        self.name(name);
        push_string(self.out, value);
    }

    /// Leaves the member out when there is no value.
    fn optional_string(&mut self, name: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.string(name, value);
        }
    }

    /// Writes `null` when there is no value.
    fn nullable_string(&mut self, name: &str, value: Option<&str>) {
        match value {
            Some(value) => self.string(name, value),
            None => {
                self.name(name);
                self.out.extend_from_slice(b"null");
            }
        }
    }

    pub(crate) fn end(self) {
        self.out.push(b'}');
    }
}

/// Writes `s` as a JSON string. Only `"`, `\` and control characters are escaped.
fn push_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut plain_from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            0x0c => b'f',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0..=0x1f => b'u',
            _ => continue,
        };
        out.extend_from_slice(bytes.get(plain_from..i).unwrap_or_default());
        plain_from = i + 1;
        out.extend_from_slice(&[b'\\', short]);
        if short == b'u' {
            out.extend_from_slice(&[
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 15)],
            ]);
        }
    }
    out.extend_from_slice(bytes.get(plain_from..).unwrap_or_default());
    out.push(b'"');
}

/// `info` as the JSON of `CONNECT`, for display.
pub fn connect_info_string(info: &ConnectInfo) -> String {
    let mut out = Vec::new();
    write_connect_info(info, &mut out);
    // Valid UTF-8: the strings written were, and everything else is ASCII.
    String::from_utf8_lossy(&out).into_owned()
}

/// `info` as the JSON of `INFO`, for display.
pub fn server_info_string(info: &ServerInfo) -> String {
    let mut out = Vec::new();
    write_server_info(info, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "json_tests.rs"]
mod tests;
