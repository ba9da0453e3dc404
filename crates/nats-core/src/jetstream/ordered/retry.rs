//! Whether a refused (re)create of an ordered consumer is worth retrying, and how long to
//! wait before the next attempt.
//!
//! **Temporary** (retried, with a growing, jittered wait): the JetStream system or its
//! cluster is not ready (any 5xx reply, such as 503 / 10008 "JetStream system temporarily
//! unavailable", 500 / 10009 "JetStream cluster can not handle request", 10118/10119 stream or
//! consumer offline), no suitable peers for placement yet (10005), and limits that others can
//! free (maximum consumers 10026, account resources 10002, insufficient resources 10023,
//! storage resources 10047). The owner also counts timeouts, no responders (JetStream
//! starting) and a lost connection as temporary.
//!
//! **Permanent** (reported to the caller, and the ordered consumer ends): every other API
//! error, which retrying the same request cannot change: the stream was deleted (10059), a
//! config the server refuses (a filter that no longer matches the stream's subjects, a
//! work-queue stream that takes no such consumer, ...), JetStream not enabled for the account
//! or on the server (10039, 10076, even though they come as 503). The owner also counts a
//! permission denied (the account may not use the consumer API) as permanent.

use std::time::Duration;

use crate::jetstream::error::{err_code, ApiError};

/// The first wait before a failed create is retried; it doubles with each failure.
pub const FIRST_RETRY_WAIT: Duration = Duration::from_millis(250);
/// The longest wait between two attempts to recreate the consumer (before jitter).
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(5);

/// API errors of 4xx that a later attempt may not get (see the module docs).
const TEMPORARY_LIMITS: [u16; 5] = [10002, 10005, 10023, 10026, 10047];

/// Whether the API refusal `error` of a consumer create may go away by itself (see the module
/// documentation for which is which).
pub fn is_temporary(error: &ApiError) -> bool {
    if matches!(
        error.err_code,
        err_code::JETSTREAM_NOT_ENABLED | err_code::JETSTREAM_NOT_ENABLED_FOR_ACCOUNT
    ) {
        return false;
    }
    error.code >= 500 || TEMPORARY_LIMITS.contains(&error.err_code)
}

/// The wait before attempt `failures + 1`: [`FIRST_RETRY_WAIT`] doubled per failure up to
/// [`MAX_RETRY_WAIT`], then lengthened by up to a quarter as `jitter` (any random number)
/// says, so that many pages do not retry in lockstep after a server restart.
pub fn retry_wait(failures: u32, jitter: u32) -> Duration {
    let base = FIRST_RETRY_WAIT
        .saturating_mul(1 << failures.clamp(1, 8).saturating_sub(1))
        .min(MAX_RETRY_WAIT);
    let quarter_ms = u32::try_from(base.as_millis() / 4).unwrap_or(u32::MAX);
    let extra = jitter
        .checked_rem(quarter_ms.saturating_add(1))
        .unwrap_or(0);
    base + Duration::from_millis(u64::from(extra))
}
