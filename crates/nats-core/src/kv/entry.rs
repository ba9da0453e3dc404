//! One entry of a bucket: a key's value (or its delete or purge marker) at one revision.

use super::operation::Operation;
use super::subjects::KvSubjects;
use crate::jetstream::direct::StoredMessage;
use crate::proto::HeaderMap;

/// A key's value at one revision, as `entry`, `history` and watches give it (ADR-8's
/// `Entry`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The bucket it is in.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// The value (empty for a delete or purge marker, and in a headers-only watch).
    pub value: Vec<u8>,
    /// Its revision: the stream sequence, unique in the bucket and increasing.
    pub revision: u64,
    /// When the server stored it, in nanoseconds since the Unix epoch (0: unknown).
    pub created: u64,
    /// How many newer entries of the watched keys there were when it was delivered (0: it
    /// was the latest); 0 for `entry`.
    pub delta: u64,
    /// A put, a delete or a purge.
    pub operation: Operation,
}

/// What a stored or delivered message says about itself, to make an [`Entry`] of.
#[derive(Debug, Clone, Copy)]
pub struct StoredParts<'a> {
    /// The subject it was stored on (`$KV.<bucket>.<key>`).
    pub subject: &'a str,
    /// Its headers, if it had any.
    pub headers: Option<&'a HeaderMap>,
    /// Its stream sequence.
    pub sequence: u64,
    /// When it was stored, in nanoseconds since the Unix epoch.
    pub time: u64,
    /// How many messages were pending after it (0 for a read).
    pub pending: u64,
}

impl Entry {
    /// The entry a message of `subjects`' bucket holds; `None` when its subject is not one
    /// of the bucket's keys.
    pub fn from_stored(
        subjects: &KvSubjects,
        parts: StoredParts<'_>,
        value: Vec<u8>,
    ) -> Option<Self> {
        let key = subjects.key_of(parts.subject)?;
        Some(Entry {
            bucket: subjects.bucket().to_owned(),
            key: key.to_owned(),
            value,
            revision: parts.sequence,
            created: parts.time,
            delta: parts.pending,
            operation: Operation::from_headers(parts.headers),
        })
    }
}

impl Entry {
    /// The entry a message read back by direct get or `STREAM.MSG.GET` holds (delta 0: it
    /// is the latest read); `None` when it is not one of the bucket's keys.
    pub fn from_stored_message(subjects: &KvSubjects, mut stored: StoredMessage) -> Option<Self> {
        let value = std::mem::take(&mut stored.payload);
        let parts = StoredParts {
            subject: &stored.subject,
            headers: Some(&stored.headers),
            sequence: stored.sequence,
            time: stored.time,
            pending: 0,
        };
        Entry::from_stored(subjects, parts, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jetstream::api::ApiPrefix;

    #[test]
    fn an_entry_is_made_of_the_subject_headers_sequence_time_and_pending() {
        let subjects = KvSubjects::new("greetings", &ApiPrefix::default()).unwrap();
        let parts = StoredParts {
            subject: "$KV.greetings.a.b",
            headers: None,
            sequence: 12,
            time: 1_764_604_580_123_456_789,
            pending: 3,
        };
        let entry = Entry::from_stored(&subjects, parts, b"hi".to_vec()).unwrap();
        assert_eq!(
            entry,
            Entry {
                bucket: "greetings".into(),
                key: "a.b".into(),
                value: b"hi".to_vec(),
                revision: 12,
                created: 1_764_604_580_123_456_789,
                delta: 3,
                operation: Operation::Put,
            }
        );
    }

    #[test]
    fn a_delete_marker_is_an_entry_with_the_delete_operation() {
        let subjects = KvSubjects::new("b", &ApiPrefix::default()).unwrap();
        let mut headers = HeaderMap::new();
        headers.append("KV-Operation", "DEL").unwrap();
        let parts = StoredParts {
            subject: "$KV.b.k",
            headers: Some(&headers),
            sequence: 2,
            time: 0,
            pending: 0,
        };
        let entry = Entry::from_stored(&subjects, parts, Vec::new()).unwrap();
        assert_eq!(entry.operation, Operation::Delete);
    }

    #[test]
    fn a_message_of_another_bucket_is_no_entry() {
        let subjects = KvSubjects::new("b", &ApiPrefix::default()).unwrap();
        let parts = StoredParts {
            subject: "$KV.other.k",
            headers: None,
            sequence: 1,
            time: 0,
            pending: 0,
        };
        assert_eq!(Entry::from_stored(&subjects, parts, Vec::new()), None);
    }
}
