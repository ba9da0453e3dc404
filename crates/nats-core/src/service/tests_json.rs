//! The discovery JSON: the writers against serde_json and nats.go's json tags, the readers
//! against what nats.go, nats.js and nats-py send, and against anything at all.

use std::time::Duration;

use serde_json::{json, Value};

use super::metadata;
use crate::service::*;

fn parsed(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("the writer writes valid JSON")
}

fn sample_info() -> Info {
    Info {
        name: "greet".into(),
        id: "ID1".into(),
        version: "1.0.0".into(),
        metadata: metadata(&[("zone", "eu"), ("a", "\"quoted\"\n")]),
        description: "says hello".into(),
        endpoints: vec![
            EndpointInfo {
                name: "hello".into(),
                subject: "greet.*".into(),
                queue_group: "q".into(),
                metadata: Metadata::new(),
            },
            EndpointInfo {
                name: "admin".into(),
                subject: "greet.admin.>".into(),
                queue_group: String::new(),
                metadata: metadata(&[("k", "v")]),
            },
        ],
    }
}

fn sample_stats() -> Stats {
    let mut hello = EndpointStats::new("hello", "greet.*", "q");
    hello.record(Duration::from_nanos(1_500), None);
    hello.record(
        Duration::from_nanos(1_000),
        Some(&ServiceError::new(400, "bad name")),
    );
    let mut custom = EndpointStats::new("c", "c", "q");
    custom.data = Some(r#" {"hits": [1, 2]} "#.into());
    Stats {
        name: "greet".into(),
        id: "ID1".into(),
        version: "1.0.0".into(),
        metadata: Metadata::new(),
        started: rfc3339(1_234_567_890_123_456_789),
        endpoints: vec![hello, custom],
    }
}

#[test]
fn the_ping_reply_has_nats_go_s_members_and_type() {
    let ping = PingResponse {
        name: "greet".into(),
        id: "ID1".into(),
        version: "1.0.0".into(),
        metadata: Metadata::new(),
    };
    let mut out = Vec::new();
    write_ping(&ping, &mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        r#"{"name":"greet","id":"ID1","version":"1.0.0","metadata":{},"type":"io.nats.micro.v1.ping_response"}"#
    );
}

#[test]
fn the_info_reply_has_nats_go_s_members_types_and_endpoint_queue_groups() {
    let mut out = Vec::new();
    write_info(&sample_info(), &mut out);
    assert_eq!(
        parsed(&out),
        json!({
            "type": "io.nats.micro.v1.info_response",
            "name": "greet",
            "id": "ID1",
            "version": "1.0.0",
            "metadata": {"zone": "eu", "a": "\"quoted\"\n"},
            "description": "says hello",
            "endpoints": [
                {"name": "hello", "subject": "greet.*", "queue_group": "q", "metadata": {}},
                {"name": "admin", "subject": "greet.admin.>", "queue_group": "", "metadata": {"k": "v"}},
            ],
        })
    );
    // Metadata keys in order, as nats.go writes a map.
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains(r#""metadata":{"a":"\"quoted\"\n","zone":"eu"}"#),
        "{text}"
    );
}

#[test]
fn the_stats_reply_has_nanosecond_times_rfc3339_started_and_always_data() {
    let mut out = Vec::new();
    write_stats(&sample_stats(), &mut out);
    assert_eq!(
        parsed(&out),
        json!({
            "type": "io.nats.micro.v1.stats_response",
            "name": "greet",
            "id": "ID1",
            "version": "1.0.0",
            "metadata": {},
            "started": "2009-02-13T23:31:30.123Z",
            "endpoints": [
                {
                    "name": "hello", "subject": "greet.*", "queue_group": "q",
                    "num_requests": 2, "num_errors": 1, "last_error": "400:bad name",
                    "processing_time": 2500, "average_processing_time": 1250,
                    "data": null,
                },
                {
                    "name": "c", "subject": "c", "queue_group": "q",
                    "num_requests": 0, "num_errors": 0, "last_error": "",
                    "processing_time": 0, "average_processing_time": 0,
                    "data": {"hits": [1, 2]},
                },
            ],
        })
    );
}

#[test]
fn custom_data_that_is_not_one_json_value_is_written_as_null() {
    for bad in ["", "{", "1 2", "{\"a\":}", "nul"] {
        let mut stats = sample_stats();
        stats.endpoints[1].data = Some(bad.into());
        let mut out = Vec::new();
        write_stats(&stats, &mut out);
        assert_eq!(parsed(&out)["endpoints"][1]["data"], Value::Null, "{bad:?}");
    }
}

#[test]
fn what_the_writers_write_the_readers_read_back() {
    let info = sample_info();
    let mut out = Vec::new();
    write_info(&info, &mut out);
    assert_eq!(read_info(&out), Ok(info));

    let mut stats = sample_stats();
    let mut out = Vec::new();
    write_stats(&stats, &mut out);
    stats.endpoints[1].data = Some(r#"{"hits": [1, 2]}"#.into());
    assert_eq!(read_stats(&out), Ok(stats));

    let ping = PingResponse {
        name: "n".into(),
        id: "i".into(),
        version: "1.0.0".into(),
        metadata: metadata(&[("x", "y")]),
    };
    let mut out = Vec::new();
    write_ping(&ping, &mut out);
    assert_eq!(read_ping(&out), Ok(ping));
}

#[test]
fn the_readers_take_what_nats_go_sends_null_metadata_no_data_nanosecond_started() {
    let go = br#"{"name":"svc","id":"X","version":"0.1.0","metadata":null,
        "type":"io.nats.micro.v1.stats_response","started":"2024-05-01T10:00:00.123456789Z",
        "endpoints":[{"name":"e","subject":"s","queue_group":"q","num_requests":3,
        "num_errors":0,"last_error":"","processing_time":1000,"average_processing_time":333}]}"#;
    let stats = read_stats(go).unwrap();
    assert_eq!(stats.started, "2024-05-01T10:00:00.123456789Z");
    assert!(stats.metadata.is_empty());
    assert_eq!(stats.endpoints[0].num_requests, 3);
    assert_eq!(stats.endpoints[0].data, None);
    let info = br#"{"name":"svc","id":"X","version":"0.1.0","metadata":{},"type":"io.nats.micro.v1.info_response",
        "description":"","endpoints":[{"name":"e","subject":"s","queue_group":"q","metadata":null}]}"#;
    assert_eq!(read_info(info).unwrap().endpoints[0].subject, "s");
}

#[test]
fn the_readers_skip_unknown_members_and_non_string_metadata_and_truncate_odd_numbers() {
    let odd = br#"{"future":{"deep":[[[{"x":1}]]]},"name":"svc","id":"X",
        "metadata":{"ok":"yes","n":1,"o":{"a":[]}},"description":null,
        "endpoints":[{"name":"e","num_requests":12.9,"processing_time":1.5e3,
        "average_processing_time":-4,"num_errors":7e-1,"extra":true,"data":[1,{"a":null}]}]}"#;
    let stats = read_stats(odd).unwrap();
    assert_eq!(stats.metadata, metadata(&[("ok", "yes")]));
    assert_eq!(stats.version, "");
    let e = &stats.endpoints[0];
    assert_eq!(
        (
            e.num_requests,
            e.processing_time,
            e.average_processing_time,
            e.num_errors
        ),
        (12, 1500, 0, 0)
    );
    assert_eq!(e.data.as_deref(), Some(r#"[1,{"a":null}]"#));
    assert_eq!(read_info(odd).unwrap().description, "");
    assert!(read_ping(br#"{"name":"a","id":"b","x":1e999}"#).is_ok());
}

#[test]
fn an_optional_member_of_the_wrong_type_is_read_as_its_default_not_as_a_bad_reply() {
    let odd = br#"{"name":"svc","id":"X","version":1,"description":{"a":[1]},
        "started":false,"metadata":{"k":"v"},
        "endpoints":[{"name":7,"subject":["s"],"queue_group":{},"last_error":null,
        "num_requests":"5","num_errors":true,"processing_time":[1],"data":1}]}"#;
    let stats = read_stats(odd).unwrap();
    assert_eq!((stats.version.as_str(), stats.started.as_str()), ("", ""));
    assert_eq!(stats.metadata, metadata(&[("k", "v")]));
    let e = &stats.endpoints[0];
    assert_eq!(
        (e.name.as_str(), e.subject.as_str(), e.queue_group.as_str()),
        ("", "", "")
    );
    assert_eq!((e.num_requests, e.num_errors, e.processing_time), (0, 0, 0));
    assert_eq!(e.data.as_deref(), Some("1"));
    let info = read_info(odd).unwrap();
    assert_eq!((info.description.as_str(), info.endpoints.len()), ("", 1));
    assert_eq!(read_ping(odd).unwrap().version, "");
    // name and id stay required strings.
    assert!(read_ping(br#"{"name":"a","id":2}"#).is_err());
}

#[test]
fn a_reply_without_name_or_id_or_of_another_type_is_refused() {
    assert!(read_ping(br#"{"id":"X"}"#).is_err());
    assert!(read_ping(br#"{"name":"X"}"#).is_err());
    let err =
        read_ping(br#"{"name":"a","id":"b","type":"io.nats.micro.v1.info_response"}"#).unwrap_err();
    assert!(err.to_string().contains("info_response"), "{err}");
    assert!(
        read_info(br#"{"name":"a","id":"b","type":"io.nats.micro.v1.ping_response"}"#).is_err()
    );
    assert!(read_ping(br#"{"name":"a","id":"b"} x"#).is_err());
    assert!(read_ping(br#"{"name":1,"id":"b"}"#).is_err());
}

#[test]
fn nothing_a_peer_sends_makes_a_reader_panic() {
    let mut docs: Vec<Vec<u8>> = Vec::new();
    let mut out = Vec::new();
    write_stats(&sample_stats(), &mut out);
    let mut info = Vec::new();
    write_info(&sample_info(), &mut info);
    for doc in [out, info] {
        // Every prefix, and every byte replaced by a few troublemakers.
        for end in 0..doc.len() {
            docs.push(doc[..end].to_vec());
        }
        for i in 0..doc.len() {
            for b in [b'"', b'\\', b'{', b'[', b'-', b'e', 0xff, 0] {
                let mut d = doc.clone();
                d[i] = b;
                docs.push(d);
            }
        }
    }
    docs.push(vec![b'['; 100_000]);
    docs.push([b"{\"name\":".as_slice(), &[b'['; 100_000]].concat());
    for doc in &docs {
        let _ = read_ping(doc);
        let _ = read_info(doc);
        let _ = read_stats(doc);
    }
}
