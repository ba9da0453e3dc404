//! What the ordered consumer reads of a `CONSUMER.CREATE` answer: where the new consumer
//! starts and how much is pending for it. Every other field of the reply is skipped unread, so
//! a page whose only consumers are ordered ones (Key-Value watches, keys, history) does not
//! carry the reader of the whole [`ConsumerInfo`] (its [`ConsumerConfig`] alone is about 10 KB
//! of wasm).
//!
//! [`ConsumerConfig`]: super::ConsumerConfig

use serde::Deserialize;

use super::consumer::{ConsumerInfo, SequenceInfo};

/// The part of a `CONSUMER.CREATE` answer the ordered consumer needs; as a [`ConsumerInfo`]
/// it has these fields and the defaults for the others.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ConsumerCreated {
    delivered: Delivered,
    num_pending: u64,
}

/// The last message delivered, without its time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
struct Delivered {
    consumer_seq: u64,
    stream_seq: u64,
}

impl From<ConsumerCreated> for ConsumerInfo {
    fn from(created: ConsumerCreated) -> Self {
        ConsumerInfo {
            delivered: SequenceInfo {
                consumer_seq: created.delivered.consumer_seq,
                stream_seq: created.delivered.stream_seq,
                last_active: 0,
            },
            num_pending: created.num_pending,
            ..ConsumerInfo::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jetstream::read_response;

    #[test]
    fn the_create_answer_gives_the_start_and_the_pending_count_and_the_rest_is_skipped() {
        let reply = br#"{"type":"io.nats.jetstream.api.v1.consumer_create_response","stream_name":"KV_b","name":"x","created":"2024-01-01T00:00:00Z","config":{"deliver_policy":"last_per_subject","ack_policy":"none","new":[1,{"a":null}]},"delivered":{"consumer_seq":2,"stream_seq":9,"last_active":"2024-01-01T00:00:01Z"},"ack_floor":{"consumer_seq":0,"stream_seq":0},"num_pending":4,"push_bound":true}"#;
        let info = ConsumerInfo::from(read_response::<ConsumerCreated>(reply).unwrap());
        assert_eq!(info.delivered.consumer_seq, 2);
        assert_eq!(info.delivered.stream_seq, 9);
        assert_eq!(info.num_pending, 4);
    }

    #[test]
    fn missing_fields_read_as_zero() {
        let info = ConsumerInfo::from(read_response::<ConsumerCreated>(b"{}").unwrap());
        assert_eq!(info, ConsumerInfo::default());
    }
}
