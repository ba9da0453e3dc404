//! The service protocol's data, checked natively: validation as ADR-32's regular expressions
//! define it, the calendar against known dates, the accounting and the error headers (the
//! JSON: `tests_json.rs`).

use std::time::Duration;

use super::validate::{self, ConfigError};
use super::*;

#[path = "tests_json.rs"]
mod json;

pub(super) fn metadata(pairs: &[(&str, &str)]) -> Metadata {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect::<Metadata>()
}

#[test]
fn a_service_name_is_one_or_more_ascii_letters_digits_dashes_or_underscores() {
    for ok in ["greet", "a", "A-Z_0-9", "--", "_"] {
        assert_eq!(validate::name(ok), Ok(()), "{ok}");
        assert_eq!(validate::endpoint_name(ok), Ok(()), "{ok}");
    }
    for bad in [
        "",
        "greet.joe",
        "greet me",
        "grüß",
        "a*",
        "a>",
        "a/b",
        "a\n",
    ] {
        assert_eq!(
            validate::name(bad),
            Err(ConfigError::InvalidName(bad.into())),
            "{bad:?}"
        );
        assert!(validate::endpoint_name(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn a_version_is_semver_as_semver_org_s_regular_expression_defines_it() {
    for ok in [
        "0.0.0",
        "1.0.0",
        "10.20.30",
        "1.1.2-prerelease+meta",
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-0.3.7",
        "1.0.0-x.7.z.92",
        "1.0.0-x-y-z.--",
        "1.0.0-alpha+001",
        "1.0.0+20130313144700",
        "1.0.0-beta+exp.sha.5114f85",
        "1.0.0+21AF26D3----117B344092BD",
        "1.0.0-0A.is.legal",
        "1.2.3----RC-SNAPSHOT.12.9.1--.12+788",
        "99999999999999999999999.999999999999999999.99999999999999999",
    ] {
        assert_eq!(validate::version(ok), Ok(()), "{ok}");
    }
    for bad in [
        "",
        "1",
        "1.2",
        "1.2.3.4",
        "01.1.1",
        "1.01.1",
        "1.1.01",
        "1.2.3-0123",
        "1.2.3-0123.0123",
        "1.1.2+.123",
        "+invalid",
        "-invalid",
        "1.0.0-",
        "1.0.0+",
        "1.0.0-alpha..1",
        "1.0.0-alpha_beta",
        "1.2.3.DEV",
        "1.2-SNAPSHOT",
        "v1.2.3",
        " 1.2.3",
        "1.2.3 ",
        "1.2.3+a+b",
        "1.0.0-é",
    ] {
        assert_eq!(
            validate::version(bad),
            Err(ConfigError::InvalidVersion(bad.into())),
            "{bad:?}"
        );
    }
}

#[test]
fn an_endpoint_subject_is_a_subscribable_subject_with_gt_only_at_its_end() {
    for ok in ["greet", "greet.*", "greet.>", "a.*.c", "svc.v1.get", "x>"] {
        assert_eq!(validate::endpoint_subject(ok), Ok(()), "{ok}");
    }
    for bad in [
        "", "a..b", ".a", "a.", "a b", "a.>.b", "a>b", ">.a", "a\r\n",
    ] {
        assert_eq!(
            validate::endpoint_subject(bad),
            Err(ConfigError::InvalidSubject(bad.into())),
            "{bad:?}"
        );
    }
}

#[test]
fn a_queue_group_is_non_empty_without_whitespace() {
    for ok in ["q", "workers", "a.b", "x-1"] {
        assert_eq!(validate::queue_group(ok), Ok(()), "{ok}");
    }
    for bad in ["", "a b", "a\tb", "a>b", "q\n"] {
        assert!(validate::queue_group(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn discovery_subjects_are_bare_by_name_and_by_name_and_id() {
    assert_eq!(control_subject(Verb::Ping, None, None), "$SRV.PING");
    assert_eq!(
        control_subject(Verb::Info, Some("greet"), None),
        "$SRV.INFO.greet"
    );
    assert_eq!(
        control_subject(Verb::Stats, Some("greet"), Some("ID1")),
        "$SRV.STATS.greet.ID1"
    );
    assert_eq!(control_subject(Verb::Ping, None, Some("ID1")), "$SRV.PING");
}

#[test]
fn discovery_subjects_under_another_prefix_keep_its_case() {
    assert_eq!(
        control_subject_with_prefix("$SRVX", Verb::Ping, None, None),
        "$SRVX.PING"
    );
    assert_eq!(
        control_subject_with_prefix("acct.$srv", Verb::Info, Some("greet"), None),
        "acct.$srv.INFO.greet"
    );
    assert_eq!(
        control_subject_with_prefix("$SRVX", Verb::Stats, Some("greet"), Some("ID1")),
        "$SRVX.STATS.greet.ID1"
    );
    assert_eq!(
        control_subject_with_prefix(API_PREFIX, Verb::Ping, Some("greet"), None),
        control_subject(Verb::Ping, Some("greet"), None)
    );
}

#[test]
fn an_api_prefix_is_a_subject_without_wildcards_spaces_or_empty_tokens() {
    for ok in ["$SRV", "$SRVX", "$srv", "acct.$SRV", "a*b", "x>"] {
        assert_eq!(validate::api_prefix(ok), Ok(()), "{ok}");
    }
    for bad in [
        "", ".", "$SRV.", ".$SRV", "a..b", "*", "a.*", ">", "a.>", "$S RV", "$SRV\t", "a\nb",
    ] {
        assert_eq!(
            validate::api_prefix(bad),
            Err(ConfigError::InvalidApiPrefix(bad.into())),
            "{bad:?}"
        );
    }
}

#[test]
fn response_types_are_the_protocol_s_strings() {
    assert_eq!(PING_RESPONSE_TYPE, "io.nats.micro.v1.ping_response");
    assert_eq!(INFO_RESPONSE_TYPE, "io.nats.micro.v1.info_response");
    assert_eq!(STATS_RESPONSE_TYPE, "io.nats.micro.v1.stats_response");
    assert_eq!(NATS_SERVICE_ERROR, "Nats-Service-Error");
    assert_eq!(NATS_SERVICE_ERROR_CODE, "Nats-Service-Error-Code");
    assert_eq!((API_PREFIX, DEFAULT_QUEUE_GROUP), ("$SRV", "q"));
}

#[test]
fn started_is_rfc3339_utc_with_milliseconds_on_known_dates() {
    let s = 1_000_000_000u64;
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
    assert_eq!(rfc3339(951_782_400 * s), "2000-02-29T00:00:00.000Z");
    assert_eq!(rfc3339(1_709_164_800 * s), "2024-02-29T00:00:00.000Z");
    assert_eq!(
        rfc3339(4_102_444_799 * s + 999_999_999),
        "2099-12-31T23:59:59.999Z"
    );
    assert_eq!(
        rfc3339(1_234_567_890 * s + 5_000_000),
        "2009-02-13T23:31:30.005Z"
    );
    assert_eq!(rfc3339(u64::MAX), "2554-07-21T23:34:33.709Z");
}

#[test]
fn started_agrees_with_a_day_by_day_calendar_from_1970_to_2554() {
    let (mut year, mut month, mut day) = (1970u64, 1u64, 1u64);
    let leap = |y: u64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    for days in 0..213_000u64 {
        let expected = format!("{year:04}-{month:02}-{day:02}T00:00:00.000Z");
        assert_eq!(
            rfc3339(days * 86_400 * 1_000_000_000),
            expected,
            "day {days}"
        );
        let length = match month {
            2 if leap(year) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        day += 1;
        if day > length {
            day = 1;
            month += 1;
            if month > 12 {
                month = 1;
                year += 1;
            }
        }
    }
}

#[test]
fn an_endpoint_counts_requests_errors_and_time_and_resets_to_zero() {
    let mut e = EndpointStats::new("hello", "greet.*", "workers");
    assert_eq!(e.average_processing_time, 0);
    e.record(Duration::from_nanos(10), None);
    e.record(Duration::from_nanos(11), None);
    e.record(
        Duration::from_nanos(12),
        Some(&ServiceError::new(503, "busy")),
    );
    assert_eq!(
        (
            e.num_requests,
            e.num_errors,
            e.processing_time,
            e.average_processing_time
        ),
        (3, 1, 33, 11)
    );
    assert_eq!(e.last_error, "503:busy");
    e.record(Duration::from_nanos(2), None);
    assert_eq!(e.average_processing_time, 8, "35 / 4, truncated");
    assert_eq!(e.last_error, "503:busy", "kept until the next error");
    e.reset();
    assert_eq!(e, EndpointStats::new("hello", "greet.*", "workers"));
}

#[test]
fn an_error_reply_carries_the_two_service_error_headers() {
    let headers = ServiceError::new(404, "no such\r\nuser").headers();
    assert_eq!(headers.get("Nats-Service-Error"), Some("no such  user"));
    assert_eq!(headers.get("Nats-Service-Error-Code"), Some("404"));
    assert_eq!(headers.len(), 2);
    assert_eq!(ServiceError::new(500, "x").to_string(), "500:x");
}

#[test]
fn an_error_reply_with_an_empty_description_says_error_and_its_code() {
    for blank in ["", "  "] {
        let error = ServiceError::new(503, blank);
        assert_eq!(error.headers().get("Nats-Service-Error"), Some("error 503"));
        assert_eq!(error.to_string(), "503:error 503");
    }
}

#[test]
fn a_failure_that_is_not_an_error_answer_is_counted_as_an_error_with_its_text() {
    let mut e = EndpointStats::new("hello", "greet.*", "q");
    e.record(Duration::from_millis(1), None);
    e.record_error("maximum payload exceeded");
    assert_eq!((e.num_requests, e.num_errors), (1, 1));
    assert_eq!(e.last_error, "maximum payload exceeded");
}

#[test]
fn an_instance_id_is_one_token_of_name_characters() {
    assert_eq!(validate::id("aB3-_x"), Ok(()));
    for bad in ["", "a.b", "*", ">", "a b"] {
        assert_eq!(validate::id(bad), Err(ConfigError::InvalidId(bad.into())));
    }
}

#[test]
fn metadata_keeps_one_value_per_key_in_key_order() {
    let mut m: Metadata = [("b", "1"), ("a", "2"), ("b", "3")].into_iter().collect();
    assert_eq!(m.iter().collect::<Vec<_>>(), [("a", "2"), ("b", "3")]);
    assert_eq!(m.insert("a", "4"), Some("2".into()));
    assert_eq!(m.insert("0", "5"), None);
    assert_eq!((m.get("a"), m.get("zz"), m.len()), (Some("4"), None, 3));
}
