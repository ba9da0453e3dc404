//! Every reader of `nats_core::jetstream` on arbitrary bytes: API replies (stream and
//! consumer infos, pub acks, account info, errors), `STREAM.MSG.GET` answers, direct-get
//! headers, `$JS.ACK` reply subjects and RFC 3339 times. None may panic. Beyond that, what the
//! stream readers accept writes back into JSON that reads to the same value (a config read
//! from the server and sent back in an update is the config the server had).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nats_core::jetstream::api::AccountInfo;
use nats_core::jetstream::direct::StoredMessage;
use nats_core::jetstream::time::{format_rfc3339, parse_rfc3339};
use nats_core::jetstream::{
    read_response, ConsumerInfo, MessageInfo, PubAck, StreamConfig, StreamInfo,
};
use nats_core::proto::HeaderMap;

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = read_response::<StreamInfo>(data) {
        let written = serde_json::to_vec(&info).expect("a stream info writes");
        let again: StreamInfo = read_response(&written).expect("what we wrote reads");
        assert_eq!(again, info, "stream info round trip");
    }
    if let Ok(config) = read_response::<StreamConfig>(data) {
        let written = serde_json::to_vec(&config).expect("a stream config writes");
        let again: StreamConfig = read_response(&written).expect("what we wrote reads");
        assert_eq!(again, config, "stream config round trip");
    }
    if let Ok(ack) = read_response::<PubAck>(data) {
        let written = serde_json::to_vec(&ack).expect("a pub ack writes");
        assert_eq!(read_response::<PubAck>(&written).ok(), Some(ack), "pub ack round trip");
    }
    let _ = read_response::<ConsumerInfo>(data);
    let _ = read_response::<AccountInfo>(data);
    let _ = StoredMessage::from_msg_get(data);
    let (headers, _) = HeaderMap::decode_lenient(data);
    let _ = StoredMessage::from_direct(Some(&headers), data);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(info) = MessageInfo::from_reply(text) {
            assert!(!info.stream.is_empty() && !info.consumer.is_empty());
        }
        if let Some(nanos) = parse_rfc3339(text) {
            assert_eq!(parse_rfc3339(&format_rfc3339(nanos)), Some(nanos), "time round trip");
        }
    }
});
