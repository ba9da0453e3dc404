//! JetStream's times: RFC 3339 strings on the wire (Go's `time.Time`, nanosecond precision,
//! `Z` or an offset), `u64` nanoseconds since the Unix epoch in this crate.
//!
//! The one choice for every time JetStream reports (a stream's `created`, a stored message's
//! `time`, a consumed message's timestamp, a key-value entry's `created`): nanoseconds since
//! 1970-01-01T00:00:00Z, with 0 for "unknown" (also Go's zero time and anything before 1970).

/// Nanoseconds since the Unix epoch of an RFC 3339 time such as
/// `2026-12-01T15:56:20.123456789Z` or `2026-12-01T16:56:20.5+01:00`; `None` if it does not
/// parse or is before 1970. Any number of fraction digits is taken (past nine are cut).
pub fn parse_rfc3339(text: &str) -> Option<u64> {
    let text = text.trim();
    let (date, rest) = text.split_once(['T', 't', ' '])?;
    let mut date_parts = date.splitn(3, '-');
    let year: u64 = digits(date_parts.next()?, 4)?;
    let month: u64 = digits(date_parts.next()?, 2)?;
    let day: u64 = digits(date_parts.next()?, 2)?;
    let (clock, offset_secs) = split_offset(rest)?;
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, fraction)) => (hms, fraction),
        None => (clock, ""),
    };
    let mut hms_parts = hms.splitn(3, ':');
    let hour: u64 = digits(hms_parts.next()?, 2)?;
    let minute: u64 = digits(hms_parts.next()?, 2)?;
    let second: u64 = digits(hms_parts.next()?, 2)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    // 60: a leap second, as RFC 3339 allows.
    if second > 60 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nanos: u64 = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(9)
        .fold(0, |n, b| n * 10 + u64::from(b - b'0'));
    let days = days_from_civil(year, month, day)?;
    let local = days * 86_400 + hour * 3600 + minute * 60 + second;
    let utc = i128::from(local) - i128::from(offset_secs);
    let secs = u64::try_from(utc).ok()?;
    secs.checked_mul(1_000_000_000)?.checked_add(nanos)
}

/// `nanos` since the Unix epoch as RFC 3339 in UTC with nine fraction digits, as the server
/// writes times: `2026-12-01T15:56:20.123456789Z`.
pub fn format_rfc3339(nanos: u64) -> String {
    // The service module's writer gives milliseconds: keep its date and clock.
    let millis = crate::service::rfc3339(nanos);
    let seconds = millis.rsplit_once('.').map_or(millis.as_str(), |(s, _)| s);
    format!("{seconds}.{:09}Z", nanos % 1_000_000_000)
}

/// A number of exactly `width` ASCII digits.
fn digits(text: &str, width: usize) -> Option<u64> {
    if text.len() != width || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The clock part and the offset from UTC in seconds (`Z`: 0, `+01:00`: 3600).
fn split_offset(rest: &str) -> Option<(&str, i64)> {
    if let Some(clock) = rest.strip_suffix(['Z', 'z']) {
        return Some((clock, 0));
    }
    let at = rest.rfind(['+', '-'])?;
    let (clock, offset) = rest.split_at(at);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let (hours, minutes) = offset.get(1..)?.split_once(':')?;
    let (hours, minutes) = (digits(hours, 2)?, digits(minutes, 2)?);
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some((
        clock,
        sign * i64::try_from(hours * 3600 + minutes * 60).ok()?,
    ))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`),
/// `None` before 1970.
fn days_from_civil(year: u64, month: u64, day: u64) -> Option<u64> {
    let year = if month <= 2 {
        year.checked_sub(1)?
    } else {
        year
    };
    let era = year / 400;
    let year_of_era = year % 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    (era * 146_097 + day_of_era).checked_sub(719_468)
}
