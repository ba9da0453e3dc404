//! `started` in `STATS`: a time as RFC 3339 in UTC, computed from Unix time with the civil
//! calendar written out (no date library).

/// `unix_nanos` (nanoseconds since 1970-01-01T00:00:00Z) as RFC 3339 in UTC with
/// milliseconds, `2026-12-01T13:43:19.123Z`: what nats.js (`Date.toISOString`) and nats-py
/// write, and what nats-py's reader requires (a fraction of at most six digits, then `Z`).
pub fn rfc3339(unix_nanos: u64) -> String {
    let secs = unix_nanos / 1_000_000_000;
    let millis = (unix_nanos % 1_000_000_000) / 1_000_000;
    let days = secs / 86_400;
    let of_day = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    let mut out = String::with_capacity(24);
    push_digits(&mut out, year, 4);
    out.push('-');
    push_digits(&mut out, month, 2);
    out.push('-');
    push_digits(&mut out, day, 2);
    out.push('T');
    push_digits(&mut out, of_day / 3600, 2);
    out.push(':');
    push_digits(&mut out, of_day % 3600 / 60, 2);
    out.push(':');
    push_digits(&mut out, of_day % 60, 2);
    out.push('.');
    push_digits(&mut out, millis, 3);
    out.push('Z');
    out
}

/// The proleptic Gregorian date `days` days after 1970-01-01, as (year, month, day) (Howard
/// Hinnant's `civil_from_days`, for days on or after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Count from 0000-03-01, so that a leap day is the last day of its year.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097; // [0, 146096]
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153; // [0, 11]
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// Appends `n` as at least `width` decimal digits.
fn push_digits(out: &mut String, n: u64, width: usize) {
    let digits = crate::proto::Decimal::new(n);
    for _ in digits.as_str().len()..width {
        out.push('0');
    }
    out.push_str(digits.as_str());
}
