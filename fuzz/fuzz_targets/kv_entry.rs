//! Key-Value entries read from whatever a server or a peer stored: a direct get's reply
//! (header block and payload), a `STREAM.MSG.GET` answer (JSON), a consumed message (its
//! `$JS.ACK` reply subject, subject and header block) and a `STREAM.INFO` answer, on arbitrary
//! bytes; plus the key and watch-filter rules on arbitrary text. Checked beyond "no panic":
//! an entry is only ever of its bucket, names the key its subject holds and carries the
//! stored sequence; a valid key makes a valid subject that reads back as the same key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nats_core::jetstream::api::ApiPrefix;
use nats_core::jetstream::direct::StoredMessage;
use nats_core::jetstream::{read_response, MessageInfo, StreamInfo};
use nats_core::kv::{validate_key, validate_watch_filter, Entry, KvStatus, KvSubjects, StoredParts};
use nats_core::proto::validate::{publish_subject, subscribe_subject};
use nats_core::proto::HeaderMap;

/// Splits `data` at the first `sep`: (before, after), or (data, empty).
fn split<'a>(data: &'a [u8], sep: &[u8]) -> (&'a [u8], &'a [u8]) {
    match data.windows(sep.len()).position(|w| w == sep) {
        Some(at) => (&data[..at], &data[at + sep.len()..]),
        None => (data, &[]),
    }
}

/// The entry a stored message makes, checked against what it was made of.
fn check_entry(subjects: &KvSubjects, stored: &StoredMessage, pending: u64) {
    let parts = StoredParts {
        subject: &stored.subject,
        headers: Some(&stored.headers),
        sequence: stored.sequence,
        time: stored.time,
        pending,
    };
    let entry = Entry::from_stored(subjects, parts, stored.payload.clone());
    if pending == 0 {
        assert_eq!(entry, Entry::from_stored_message(subjects, stored.clone()));
    }
    match entry {
        Some(entry) => {
            assert_eq!(entry.bucket, subjects.bucket());
            assert_eq!(format!("$KV.{}.{}", entry.bucket, entry.key), stored.subject);
            assert_eq!((entry.revision, entry.delta), (stored.sequence, pending));
        }
        None => assert!(subjects.key_of(&stored.subject).is_none()),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let subjects = KvSubjects::new("b", &ApiPrefix::default()).expect("a valid bucket");
    match mode % 4 {
        0 => {
            let (block, payload) = split(rest, b"\r\n\r\n");
            let mut block = block.to_vec();
            block.extend_from_slice(b"\r\n\r\n");
            let (headers, _) = HeaderMap::decode_lenient(&block);
            if let Ok(stored) = StoredMessage::from_direct(Some(&headers), payload) {
                check_entry(&subjects, &stored, 0);
            }
        }
        1 => {
            if let Ok(stored) = StoredMessage::from_msg_get(rest) {
                check_entry(&subjects, &stored, 0);
            }
        }
        2 => {
            let (reply, rest) = split(rest, b"\n");
            let (subject, block) = split(rest, b"\n");
            let (Ok(reply), Ok(subject)) = (std::str::from_utf8(reply), std::str::from_utf8(subject))
            else {
                return;
            };
            let (headers, _) = HeaderMap::decode_lenient(block);
            if let Some(info) = MessageInfo::from_reply(reply) {
                let stored = StoredMessage {
                    subject: subject.to_owned(),
                    sequence: info.stream_sequence,
                    time: info.timestamp_nanos,
                    headers,
                    payload: Vec::new(),
                };
                check_entry(&subjects, &stored, info.pending);
            }
        }
        _ => {
            if let Ok(info) = read_response::<StreamInfo>(rest) {
                let name = info.config.name.clone();
                if let Ok(status) = KvStatus::from_stream_info(info) {
                    assert_eq!(format!("KV_{}", status.bucket), name);
                }
            }
        }
    }
    let text = String::from_utf8_lossy(rest);
    if validate_key(&text).is_ok() {
        assert!(validate_watch_filter(&text).is_ok(), "a key is a filter too");
        let subject = subjects.key_subject(&text).expect("a valid key");
        assert!(publish_subject(&subject).is_ok(), "{subject:?}");
        assert_eq!(subjects.key_of(&subject), Some(&*text));
    }
    if validate_watch_filter(&text).is_ok() {
        let filter = subjects.filter_subject(&text).expect("a valid filter");
        assert!(subscribe_subject(&filter).is_ok(), "{filter:?}");
    }
});
