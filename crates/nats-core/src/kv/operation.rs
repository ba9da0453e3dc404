//! What a stored message is to the bucket: a value (put), a delete marker or a purge marker.

use crate::jetstream::headers::{ROLLUP, ROLLUP_SUBJECT};
use crate::proto::HeaderMap;

/// The header that marks a delete or purge: `KV-Operation: DEL` / `PURGE`.
pub use crate::jetstream::headers::KV_OPERATION;
/// [`KV_OPERATION`]'s value for a delete.
pub const DELETE: &str = "DEL";
/// [`KV_OPERATION`]'s value for a purge (sent with `Nats-Rollup: sub`).
pub const PURGE: &str = "PURGE";
/// The header a server (2.11+, `subject_delete_marker_ttl`) puts on the markers it writes
/// itself when a key's value expires or is removed.
pub const MARKER_REASON: &str = "Nats-Marker-Reason";

/// What an entry of a bucket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// A value was put.
    Put,
    /// The key was deleted; its history is kept.
    Delete,
    /// The key was purged: this marker is all that is left of its history.
    Purge,
}

impl Operation {
    /// The operation a stored message's headers say.
    ///
    /// `KV-Operation: DEL` is a delete and `PURGE` a purge, values spelled exactly so, as
    /// nats.go and nats.js compare them; any other value, `del` too, is a put (ADR-8 calls any
    /// value deleted data, but then an entry those clients show would be hidden here). The
    /// header's name is found as [`HeaderMap::get`] finds names, in any case (more lenient
    /// than those clients, which no server-written marker needs). Without `DEL` or
    /// `PURGE`, a server's own marker
    /// (`Nats-Marker-Reason: MaxAge` or `Purge`: a purge; `Remove`: a delete) counts; else it
    /// is a put.
    pub fn from_headers(headers: Option<&HeaderMap>) -> Operation {
        let Some(headers) = headers else {
            return Operation::Put;
        };
        match headers.get(KV_OPERATION).map(str::trim) {
            Some(PURGE) => Operation::Purge,
            Some(DELETE) => Operation::Delete,
            _ => match headers.get(MARKER_REASON).map(str::trim) {
                Some("MaxAge") | Some("Purge") => Operation::Purge,
                Some("Remove") => Operation::Delete,
                _ => Operation::Put,
            },
        }
    }

    /// Whether the key has no value after this operation (a delete or a purge).
    pub fn is_removal(self) -> bool {
        self != Operation::Put
    }

    /// The headers a client writes a delete or purge marker with (`KV-Operation: DEL`;
    /// `KV-Operation: PURGE` and `Nats-Rollup: sub`, so the server drops the key's older
    /// entries); none for a put.
    pub fn marker_headers(self) -> Option<HeaderMap> {
        let mut headers = HeaderMap::new();
        // Constant names and values, all valid: these inserts cannot fail.
        let _ = headers.insert(KV_OPERATION, self.as_str());
        match self {
            Operation::Put => return None,
            Operation::Delete => {}
            Operation::Purge => {
                let _ = headers.insert(ROLLUP, ROLLUP_SUBJECT);
            }
        }
        Some(headers)
    }

    /// The name ADR-8 and nats.js use: `PUT`, `DEL`, `PURGE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Put => "PUT",
            Operation::Delete => DELETE,
            Operation::Purge => PURGE,
        }
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, *value).unwrap();
        }
        map
    }

    #[test]
    fn no_headers_or_no_kv_operation_is_a_put() {
        assert_eq!(Operation::from_headers(None), Operation::Put);
        let other = headers(&[("Nats-Msg-Id", "x"), ("Nats-Rollup", "sub")]);
        assert_eq!(Operation::from_headers(Some(&other)), Operation::Put);
        assert_eq!(
            Operation::from_headers(Some(&headers(&[(KV_OPERATION, "")]))),
            Operation::Put
        );
    }

    #[test]
    fn kv_operation_del_is_a_delete_and_purge_a_purge() {
        let del = headers(&[(KV_OPERATION, "DEL")]);
        assert_eq!(Operation::from_headers(Some(&del)), Operation::Delete);
        let purge = headers(&[(KV_OPERATION, "PURGE"), ("Nats-Rollup", "sub")]);
        assert_eq!(Operation::from_headers(Some(&purge)), Operation::Purge);
        let lower = headers(&[("kv-operation", "PURGE")]);
        assert_eq!(
            Operation::from_headers(Some(&lower)),
            Operation::Purge,
            "any name case"
        );
    }

    #[test]
    fn any_other_kv_operation_value_is_a_put_as_nats_go_and_nats_js_read_it() {
        let odd = headers(&[(KV_OPERATION, "WHATEVER")]);
        assert_eq!(Operation::from_headers(Some(&odd)), Operation::Put);
        let lower = headers(&[(KV_OPERATION, "del")]);
        assert_eq!(
            Operation::from_headers(Some(&lower)),
            Operation::Put,
            "values exactly"
        );
    }

    #[test]
    fn server_markers_count_when_there_is_no_kv_operation() {
        for (reason, op) in [
            ("MaxAge", Operation::Purge),
            ("Purge", Operation::Purge),
            ("Remove", Operation::Delete),
            ("Other", Operation::Put),
        ] {
            let h = headers(&[(MARKER_REASON, reason)]);
            assert_eq!(Operation::from_headers(Some(&h)), op, "{reason}");
        }
    }

    #[test]
    fn markers_are_written_as_adr_8_says_and_read_back_as_what_they_are() {
        assert_eq!(Operation::Put.marker_headers(), None);
        let delete = Operation::Delete.marker_headers().unwrap();
        assert_eq!(delete.iter().collect::<Vec<_>>(), [("KV-Operation", "DEL")]);
        let purge = Operation::Purge.marker_headers().unwrap();
        assert_eq!(
            purge.iter().collect::<Vec<_>>(),
            [("KV-Operation", "PURGE"), ("Nats-Rollup", "sub")]
        );
        for op in [Operation::Delete, Operation::Purge] {
            assert_eq!(Operation::from_headers(op.marker_headers().as_ref()), op);
        }
    }

    #[test]
    fn names_are_adr_8_s() {
        assert_eq!(Operation::Put.to_string(), "PUT");
        assert_eq!(Operation::Delete.as_str(), "DEL");
        assert_eq!(Operation::Purge.as_str(), "PURGE");
        assert!(Operation::Delete.is_removal() && !Operation::Put.is_removal());
    }
}
