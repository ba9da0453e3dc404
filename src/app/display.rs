//! Text the page prints from what a server, a peer or a person sent, shortened with its size
//! so that no input (a 200 kB reply, a 4 KB subject, a header full of junk) makes the page
//! unreadable. Cuts fall on character boundaries; nothing here panics on any input.

use std::borrow::Cow;

use nats_web::conn::TraceLine;

/// Characters of a payload (a reply, a request) shown before it is cut.
pub const PAYLOAD_CHARS: usize = 160;
/// Characters of a subject, a header value or a name shown before it is cut.
pub const SUBJECT_CHARS: usize = 80;
/// Characters of any one line of a log or of the trace shown before it is cut: the last
/// guard, for text that was not shortened piece by piece.
pub const LINE_CHARS: usize = 400;

/// `text` as it is if it has at most `max` characters; otherwise its first `max` characters,
/// `…` and its whole size: `zzzz… (200.0 kB)`.
pub fn shorten(text: &str, max: usize) -> Cow<'_, str> {
    shorten_sized(text, max, text.len())
}

/// Like [`shorten`], naming `size` bytes as the whole (a payload's size, not that of its
/// lossy text).
fn shorten_sized(text: &str, max: usize, size: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => Cow::Owned(format!(
            "{}… ({})",
            text.get(..cut).unwrap_or_default(),
            bytes(size)
        )),
    }
}

/// A payload as text (invalid UTF-8 replaced), shortened to [`PAYLOAD_CHARS`] with the
/// payload's size in bytes.
pub fn payload(payload: &[u8]) -> String {
    let text = String::from_utf8_lossy(payload);
    shorten_sized(&text, PAYLOAD_CHARS, payload.len()).into_owned()
}

/// A subject (or header value, or name), shortened to [`SUBJECT_CHARS`].
pub fn subject(subject: &str) -> Cow<'_, str> {
    shorten(subject, SUBJECT_CHARS)
}

/// A line of a log or of the trace, shortened to [`LINE_CHARS`].
pub fn line(line: &str) -> Cow<'_, str> {
    shorten(line, LINE_CHARS)
}

/// An error's message (which may quote a subject or a server's text), shortened to
/// [`PAYLOAD_CHARS`].
pub fn error(error: &impl std::fmt::Display) -> String {
    shorten(&error.to_string(), PAYLOAD_CHARS).into_owned()
}

/// A trace line with its subject and reply subject shortened (the core's line has them
/// whole; the body is shortened there), then the whole line to [`LINE_CHARS`].
pub fn trace_line(line: &TraceLine) -> String {
    let mut text = line.line.clone();
    for long in [Some(&line.op.subject), line.op.reply.as_ref()]
        .into_iter()
        .flatten()
        .filter(|s| s.chars().count() > SUBJECT_CHARS)
    {
        text = text.replacen(long.as_str(), &subject(long), 1);
    }
    self::line(&text).into_owned()
}

/// A size as a person reads it: `512 B`, `1.5 kB`, `200.0 kB`, `3.1 MB` (decimal units).
/// Integer arithmetic on purpose: formatting an `f64` adds about 10 KB of wasm.
pub fn bytes(n: usize) -> String {
    let n = n as u64;
    let tenths = |unit: u64| n.saturating_mul(10).saturating_add(unit / 2) / unit;
    let (t, unit) = match n {
        0..=999 => return format!("{n} B"),
        1_000..=999_949 => (tenths(1_000), "kB"),
        _ => (tenths(1_000_000), "MB"),
    };
    format!("{}.{} {unit}", t / 10, t % 10)
}

/// Microseconds as milliseconds with one decimal (`12.3 ms`), rounded to the nearest tenth.
pub fn millis(micros: u64) -> String {
    let tenths = micros.saturating_add(50) / 100;
    format!("{}.{} ms", tenths / 10, tenths % 10)
}

/// Nanoseconds (a service's processing time) as a person reads them: `850 ns`, `12.3 µs`,
/// `4.5 ms`, `2.0 s`.
pub fn nanos(ns: u64) -> String {
    let tenths = |unit: u64| ns.saturating_add(unit / 20) / (unit / 10);
    let (t, unit) = match ns {
        0..=999 => return format!("{ns} ns"),
        1_000..=999_949 => (tenths(1_000), "µs"),
        999_950..=999_949_999 => (tenths(1_000_000), "ms"),
        _ => (tenths(1_000_000_000), "s"),
    };
    format!("{}.{} {unit}", t / 10, t % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_shown_whole() {
        assert_eq!(shorten("hello, joe", 10), "hello, joe");
        assert!(matches!(shorten("", 0), Cow::Borrowed("")));
        assert_eq!(payload(b"hello, joe"), "hello, joe");
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis_and_its_whole_size() {
        assert_eq!(shorten("abcdef", 3), "abc… (6 B)");
        let reply = vec![b'z'; 200_000];
        let shown = payload(&reply);
        assert_eq!(shown, format!("{}… (200.0 kB)", "z".repeat(PAYLOAD_CHARS)));
        assert_eq!(shorten("abc", 0), "… (3 B)");
    }

    #[test]
    fn cuts_fall_on_character_boundaries_and_count_characters() {
        // Four 4-byte characters: a cut by bytes would split one (and panic when slicing).
        assert_eq!(shorten("😀😀😀😀", 2), "😀😀… (16 B)");
        assert_eq!(shorten("éé", 1), "é… (4 B)");
        assert_eq!(shorten("😀😀", 2), "😀😀");
    }

    #[test]
    fn a_payload_that_is_not_utf8_is_shown_lossily_with_its_real_size() {
        let mut bytes = vec![0xff; 300];
        bytes.extend_from_slice("é".as_bytes());
        let shown = payload(&bytes);
        assert!(shown.starts_with('\u{fffd}'), "{shown}");
        assert!(shown.ends_with("… (302 B)"), "{shown}");
        // A lone byte of a multi-byte character at the cut.
        let mut cut = vec![b'a'; PAYLOAD_CHARS - 1];
        cut.extend_from_slice(&"😀".as_bytes()[..2]);
        cut.extend_from_slice(b"tail");
        assert!(payload(&cut).ends_with("… (165 B)"), "{}", payload(&cut));
    }

    #[test]
    fn no_input_panics() {
        let inputs: [&[u8]; 6] = [b"", b"\0", &[0xf0, 0x9f], &[0xc3], b"\xe2\x80", &[0x80; 5]];
        for input in inputs {
            for max in [0, 1, 2, 3, 1000] {
                let text = String::from_utf8_lossy(input);
                let _ = shorten(&text, max);
            }
            let _ = payload(input);
        }
        let _ = bytes(usize::MAX);
    }

    #[test]
    fn times_read_as_milliseconds_with_one_decimal() {
        assert_eq!(millis(0), "0.0 ms");
        assert_eq!(millis(1_250), "1.3 ms");
        assert_eq!(millis(u64::MAX), "18446744073709551.6 ms");
    }

    #[test]
    fn processing_times_read_in_the_unit_that_fits() {
        assert_eq!(nanos(0), "0 ns");
        assert_eq!(nanos(850), "850 ns");
        assert_eq!(nanos(12_340), "12.3 µs");
        assert_eq!(nanos(999_949), "999.9 µs");
        assert_eq!(nanos(999_950), "1.0 ms");
        assert_eq!(nanos(4_500_000), "4.5 ms");
        assert_eq!(nanos(2_000_000_000), "2.0 s");
        assert!(nanos(u64::MAX).ends_with(" s"));
    }

    #[test]
    fn trace_lines_show_long_subjects_shortened_with_their_size() {
        let subject = format!("greet.{}", "n".repeat(3_000));
        let reply = format!("_INBOX.{}.1", "r".repeat(200));
        let line = TraceLine::sent(&nats_web::proto::ClientOp::Pub {
            subject: &subject,
            reply: Some(&reply),
            payload: b"",
        });
        let shown = trace_line(&line);
        assert!(shown.starts_with("PUB greet.nnn"), "{shown}");
        assert!(shown.contains("… (3.0 kB) _INBOX.rrr"), "{shown}");
        assert!(shown.ends_with("… (209 B) 0"), "{shown}");
        assert!(shown.chars().count() < 2 * SUBJECT_CHARS + 40, "{shown}");
        let short = TraceLine::sent(&nats_web::proto::ClientOp::Ping);
        assert_eq!(trace_line(&short), "PING");
    }

    #[test]
    fn error_messages_are_shortened() {
        let long = format!("no responders for greet.{}", "n".repeat(3_000));
        let shown = error(&long);
        assert!(shown.ends_with("… (3.0 kB)"), "{shown}");
        assert!(shown.chars().count() < PAYLOAD_CHARS + 20);
    }

    #[test]
    fn sizes_read_in_decimal_units_with_one_decimal() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1_000), "1.0 kB");
        assert_eq!(bytes(1_550), "1.6 kB");
        assert_eq!(bytes(200_000), "200.0 kB");
        assert_eq!(bytes(999_949), "999.9 kB");
        assert_eq!(bytes(999_950), "1.0 MB");
        assert_eq!(bytes(3_140_000), "3.1 MB");
    }
}
