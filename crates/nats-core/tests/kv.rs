//! Key-Value through the sans-IO core against a real JetStream nats-server (2.9.10, and
//! 2.15.1 with `NATS_SERVER_BIN`): the server takes a bucket's stream as `KvConfig` writes
//! it, the markers mean to it what ADR-8 says, writes under a domain's API prefix reach the
//! bucket, and its answers read back as entries and a status.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use nats_core::conn::{ConnectOptions, Message};
use nats_core::jetstream::api::tail;
use nats_core::jetstream::direct::{GetError, GetRequest, StoredMessage};
use nats_core::jetstream::stream::Discard;
use nats_core::jetstream::{read_response, ApiPrefix, PubAck, ResponseError, StreamInfo};
use nats_core::kv::{Entry, KvConfig, KvStatus, KvSubjects, Operation};
use nats_core::proto::HeaderMap;
use nats_core::Instant;
use support::driver::Driver;
use support::server::{jetstream_config, NatsServer};

const TIMEOUT: Duration = Duration::from_secs(5);

/// A fresh JetStream server, a connection to it and the bucket `config` created on it.
fn bucket(config: &KvConfig) -> (NatsServer, Driver, KvSubjects, StreamInfo) {
    bucket_on(&jetstream_config(), &ApiPrefix::default(), config)
}

/// A fresh server with `server_config`, a connection to it and the bucket `config` created
/// through the API prefix `prefix`.
fn bucket_on(
    server_config: &str,
    prefix: &ApiPrefix,
    config: &KvConfig,
) -> (NatsServer, Driver, KvSubjects, StreamInfo) {
    let server = NatsServer::start_with(server_config);
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let subjects = KvSubjects::new(&config.bucket, prefix).unwrap();
    let body = serde_json::to_vec(&config.to_stream_config().unwrap()).unwrap();
    let create = prefix.subject(&tail::stream_create(subjects.stream()));
    let reply = send(&mut nc, &create, None, &body);
    let info: StreamInfo = read_response(&reply.payload).expect("the server takes the bucket");
    (server, nc, subjects, info)
}

fn api(tail: &str) -> String {
    ApiPrefix::default().subject(tail)
}

fn send(nc: &mut Driver, subject: &str, headers: Option<&HeaderMap>, body: &[u8]) -> Message {
    let id = nc
        .conn
        .request(Instant::now(), subject, headers, body, TIMEOUT)
        .expect("request accepted");
    nc.await_request(id).expect("the server answers")
}

/// A write of `key` with `headers`: the stream's ack or its refusal.
fn write(
    nc: &mut Driver,
    subjects: &KvSubjects,
    key: &str,
    headers: Option<HeaderMap>,
    value: &[u8],
) -> Result<PubAck, ResponseError> {
    let subject = subjects.write_subject(key).unwrap();
    read_response(&send(nc, &subject, headers.as_ref(), value).payload)
}

/// The key's latest entry by direct get, `None` when the bucket holds nothing for it.
fn latest(nc: &mut Driver, subjects: &KvSubjects, key: &str) -> Option<Entry> {
    let request = GetRequest::last_by_subject(subjects.key_subject(key).unwrap()).to_json();
    let reply = send(
        nc,
        &api(&tail::direct_get(subjects.stream())),
        None,
        &request,
    );
    match StoredMessage::from_direct(reply.headers.as_ref(), &reply.payload) {
        Err(GetError::NotFound) => None,
        other => Entry::from_stored_message(subjects, other.expect("a stored message")),
    }
}

/// Writes `key`'s `op` marker and checks that it is the key's latest entry; its revision.
fn mark(nc: &mut Driver, subjects: &KvSubjects, key: &str, op: Operation) -> u64 {
    let ack = write(nc, subjects, key, op.marker_headers(), b"").unwrap();
    let entry = latest(nc, subjects, key).expect("the marker");
    assert_eq!(
        (entry.key.as_str(), entry.operation, entry.revision),
        (key, op, ack.seq)
    );
    ack.seq
}

#[test]
fn the_server_takes_a_bucket_s_stream_as_kv_config_writes_it() {
    let config = KvConfig {
        history: 5,
        ttl: Duration::from_secs(30),
        max_value_size: Some(1024),
        max_bytes: Some(1 << 20),
        description: Some("greetings".into()),
        ..KvConfig::new("greetings")
    };
    let (_server, _nc, _subjects, info) = bucket(&config);
    let sent = config.to_stream_config().unwrap();
    let got = &info.config;
    assert_eq!(got.name, "KV_greetings");
    assert_eq!(got.subjects, ["$KV.greetings.>"]);
    assert_eq!(got.max_msgs_per_subject, 5);
    assert_eq!(got.max_age, Duration::from_secs(30));
    assert_eq!(got.duplicate_window, Duration::from_secs(30));
    assert_eq!((got.max_msg_size, got.max_bytes), (1024, 1 << 20));
    assert_eq!(got.discard, Discard::New);
    assert!(got.allow_rollup_hdrs && got.deny_delete && got.allow_direct);
    assert_eq!(got.description, sent.description);

    let status = KvStatus::from_stream_info(info.clone()).unwrap();
    assert_eq!((status.bucket.as_str(), status.history), ("greetings", 5));
    assert_eq!((status.values, status.ttl), (0, Duration::from_secs(30)));
}

#[test]
fn a_delete_marker_keeps_the_history_and_a_purge_marker_rolls_it_up() {
    let (_server, mut nc, subjects, _) = bucket(&KvConfig {
        history: 10,
        ..KvConfig::new("b")
    });
    write(&mut nc, &subjects, "k", None, b"1").unwrap();
    mark(&mut nc, &subjects, "k", Operation::Delete);
    let first = GetRequest::sequence(1).to_json();
    let reply = send(&mut nc, &api(&tail::direct_get("KV_b")), None, &first);
    assert!(StoredMessage::from_direct(reply.headers.as_ref(), &reply.payload).is_ok());

    mark(&mut nc, &subjects, "k", Operation::Purge);
    let reply = send(&mut nc, &api(&tail::direct_get("KV_b")), None, &first);
    assert_eq!(
        StoredMessage::from_direct(reply.headers.as_ref(), &reply.payload),
        Err(GetError::NotFound),
        "the purge rolled up the key's older entries"
    );
}

#[test]
fn an_expected_revision_of_zero_is_refused_after_a_delete_with_the_wrong_last_sequence_code() {
    let (_server, mut nc, subjects, _) = bucket(&KvConfig::new("b"));
    let expect = |revision: u64| {
        let mut headers = HeaderMap::new();
        headers
            .insert("Nats-Expected-Last-Subject-Sequence", revision.to_string())
            .unwrap();
        Some(headers)
    };
    let first = write(&mut nc, &subjects, "k", expect(0), b"1").unwrap();
    let marker = mark(&mut nc, &subjects, "k", Operation::Delete);
    for stale in [0, first.seq] {
        match write(&mut nc, &subjects, "k", expect(stale), b"2") {
            Err(ResponseError::Api(e)) => assert_eq!(e.err_code, 10071, "{e:?}"),
            other => panic!("expected wrong last sequence, got {other:?}"),
        }
    }
    // What `create` does then: update from the delete marker's revision.
    write(&mut nc, &subjects, "k", expect(marker), b"2").unwrap();
    assert_eq!(latest(&mut nc, &subjects, "k").unwrap().value, b"2");
}

#[test]
fn writes_through_a_domain_s_prefix_reach_the_bucket_and_read_back_under_kv() {
    let server_config = format!(
        "jetstream {{\n  store_dir: \"{}/jetstream\"\n  domain: hub\n}}\n",
        support::server::SERVER_DIR
    );
    let hub = ApiPrefix::domain("hub").unwrap();
    let (_server, mut nc, subjects, _) = bucket_on(&server_config, &hub, &KvConfig::new("d"));
    assert_eq!(subjects.write_subject("k").unwrap(), "$JS.hub.API.$KV.d.k");
    let ack = write(&mut nc, &subjects, "k", None, b"v").unwrap();
    assert_eq!(
        (ack.stream.as_str(), ack.domain.as_deref()),
        ("KV_d", Some("hub"))
    );
    let entry = latest(&mut nc, &subjects, "k").expect("the value");
    assert_eq!((entry.key.as_str(), entry.revision), ("k", ack.seq));
    assert_eq!(entry.value, b"v");
}
