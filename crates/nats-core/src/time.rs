//! The core's notion of time: a point on the owner's monotonic clock.
//!
//! The core reads no clock. Its owner passes the current [`Instant`] to every call that needs
//! one and sleeps until [`crate::conn::Connection::poll_timeout`]. In the browser the owner
//! builds instants from `performance.now()`; natively, `Instant::now` reads
//! `std::time::Instant`.

use std::ops::{Add, AddAssign, Sub};
use std::time::Duration;

/// A moment, as the time since an origin the owner chose (page load, process start, ...).
/// Only differences between instants of one owner mean anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(Duration);

impl Instant {
    /// The owner's origin itself.
    pub const ORIGIN: Instant = Instant(Duration::ZERO);

    /// The instant `since_origin` after the owner's origin.
    pub const fn from_since_origin(since_origin: Duration) -> Self {
        Instant(since_origin)
    }

    /// The instant `millis` milliseconds after the origin, as `performance.now()` gives them
    /// (negative, NaN or infinite values give the origin or the far future, never a panic).
    pub fn from_millis_f64(millis: f64) -> Self {
        Instant(
            Duration::try_from_secs_f64(millis / 1000.0).unwrap_or(if millis > 0.0 {
                Duration::MAX
            } else {
                Duration::ZERO
            }),
        )
    }

    /// Time since the origin.
    pub const fn since_origin(self) -> Duration {
        self.0
    }

    /// Time from `earlier` to `self`, zero if `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Instant) -> Duration {
        self.0.saturating_sub(earlier.0)
    }

    /// Now, from the operating system's monotonic clock; the origin is the first call in the
    /// process. Not in wasm32, where there is no such clock in std: build instants from
    /// `performance.now()` with [`Instant::from_millis_f64`] there.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn now() -> Self {
        static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        let origin = *ORIGIN.get_or_init(std::time::Instant::now);
        Instant(std::time::Instant::now().saturating_duration_since(origin))
    }

    /// Time since `self`, by `Instant::now` (not in wasm32).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn elapsed(self) -> Duration {
        Instant::now() - self
    }
}

/// Later by `rhs`; saturates at the far future instead of overflowing.
impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, rhs: Duration) -> Instant {
        Instant(self.0.saturating_add(rhs))
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

/// Earlier by `rhs`; saturates at the origin.
impl Sub<Duration> for Instant {
    type Output = Instant;
    fn sub(self, rhs: Duration) -> Instant {
        Instant(self.0.saturating_sub(rhs))
    }
}

/// The time between two instants, zero if `rhs` is later.
impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, rhs: Instant) -> Duration {
        self.saturating_duration_since(rhs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn arithmetic_saturates_instead_of_panicking() {
        let far = Instant::from_since_origin(Duration::MAX);
        assert_eq!(far + Duration::from_secs(1), far);
        assert_eq!(Instant::ORIGIN - Duration::from_secs(1), Instant::ORIGIN);
        assert_eq!(Instant::ORIGIN - far, Duration::ZERO);
    }

    #[test]
    fn performance_now_values_of_any_kind_give_an_instant() {
        assert_eq!(
            Instant::from_millis_f64(1500.0).since_origin(),
            Duration::from_millis(1500)
        );
        assert_eq!(Instant::from_millis_f64(-3.0), Instant::ORIGIN);
        assert_eq!(Instant::from_millis_f64(f64::NAN), Instant::ORIGIN);
        assert_eq!(
            Instant::from_millis_f64(f64::INFINITY).since_origin(),
            Duration::MAX
        );
    }
}
