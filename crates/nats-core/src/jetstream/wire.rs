//! How JetStream spells durations and times in JSON, as serde `with` modules: durations are
//! integer nanoseconds, times RFC 3339 strings. Reading is lenient (a negative or fractional
//! duration, a time that does not parse, `null`: zero), writing exact.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};
use serde::Serializer;

use super::time::{format_rfc3339, parse_rfc3339};

/// Whether a duration is zero: "not set", left out of what is sent.
pub(crate) fn is_zero(d: &Duration) -> bool {
    d.is_zero()
}

/// Whether a number is zero: "not set", left out of what is sent.
pub(crate) fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

/// `-1`: JetStream's "no limit".
pub(crate) fn unlimited() -> i64 {
    -1
}

/// A number of nanoseconds as any JSON number gives it: negatives and `null` read as zero,
/// fractions are cut, values past `u64` saturate.
struct Nanos;

impl<'de> Visitor<'de> for Nanos {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number of nanoseconds")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        Ok(u64::try_from(v).unwrap_or(0))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
        // `as` saturates and reads NaN as 0.
        Ok(v.max(0.0) as u64)
    }
    fn visit_unit<E: de::Error>(self) -> Result<u64, E> {
        Ok(0)
    }
}

/// A [`Duration`] as integer nanoseconds.
pub(crate) mod nanos {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        d.deserialize_any(Nanos).map(Duration::from_nanos)
    }
}

/// A list of [`Duration`]s as integer nanoseconds (a consumer's `backoff`).
pub(crate) mod nanos_list {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize)]
    struct Item(#[serde(with = "super::nanos")] Duration);

    pub(crate) fn serialize<S: Serializer>(list: &[Duration], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(list.iter().map(|d| Item(*d)))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Duration>, D::Error> {
        let items = Option::<Vec<Item>>::deserialize(d)?;
        Ok(items.unwrap_or_default().into_iter().map(|i| i.0).collect())
    }
}

/// A time (nanoseconds since the Unix epoch, 0: unknown) as an RFC 3339 string; one that
/// does not parse, or `null`, reads as 0.
pub(crate) mod time {
    use super::*;
    use serde::Deserialize;

    pub(crate) fn serialize<S: Serializer>(nanos: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_rfc3339(*nanos))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let text = Option::<String>::deserialize(d)?;
        Ok(text.as_deref().and_then(parse_rfc3339).unwrap_or(0))
    }
}

/// An optional time as an RFC 3339 string (a consumer's `opt_start_time`).
pub(crate) mod opt_time {
    use super::*;
    use serde::Deserialize;

    pub(crate) fn serialize<S: Serializer>(nanos: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match nanos {
            Some(nanos) => s.serialize_str(&format_rfc3339(*nanos)),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        let text = Option::<String>::deserialize(d)?;
        Ok(text.as_deref().and_then(parse_rfc3339))
    }
}
