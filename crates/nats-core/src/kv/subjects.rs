//! Where a bucket's keys live: the stream `KV_<bucket>`, the subjects `$KV.<bucket>.<key>`,
//! and the key of a subject read back.
//!
//! ADR-8 (and nats.go, nats.js): reads, watches and the stream's own subjects always use
//! `$KV.<bucket>.`; writes (put, create, update, delete, purge) made through a JetStream
//! context with a non-default API prefix (a domain, `$JS.<domain>.API`, or a custom prefix
//! an account imports) go to `<api prefix>.$KV.<bucket>.<key>`, the subject such an import
//! maps back onto `$KV.<bucket>.<key>` (a server with a JetStream domain maps
//! `$JS.<domain>.API.$KV.>` itself: `tests/kv.rs`).

use super::validate::{validate_bucket, validate_key, validate_watch_filter, InvalidName};
use crate::jetstream::api::{ApiPrefix, DEFAULT_PREFIX};

/// The stream name prefix of every bucket: `KV_<bucket>`.
pub const STREAM_PREFIX: &str = "KV_";

/// The subjects of one bucket, as a JetStream context with a given API prefix sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvSubjects {
    bucket: String,
    stream: String,
    /// `$KV.<bucket>.`
    read_prefix: String,
    /// `$KV.<bucket>.`, or `<api prefix>.$KV.<bucket>.` under a non-default API prefix.
    write_prefix: String,
}

impl KvSubjects {
    /// The subjects of `bucket` as a JetStream context on `api` (the default `$JS.API`, a
    /// domain's `$JS.<domain>.API`, or a custom prefix) sees them.
    pub fn new(bucket: &str, api: &ApiPrefix) -> Result<Self, InvalidName> {
        validate_bucket(bucket)?;
        let api_prefix = api.as_str();
        let read_prefix = format!("$KV.{bucket}.");
        let write_prefix = if api_prefix == DEFAULT_PREFIX {
            read_prefix.clone()
        } else {
            format!("{api_prefix}.{read_prefix}")
        };
        Ok(KvSubjects {
            bucket: bucket.to_owned(),
            stream: format!("{STREAM_PREFIX}{bucket}"),
            read_prefix,
            write_prefix,
        })
    }

    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The stream that holds the bucket: `KV_<bucket>`.
    pub fn stream(&self) -> &str {
        &self.stream
    }

    /// The stream's subjects: `$KV.<bucket>.>`.
    pub fn stream_subjects(&self) -> String {
        format!("{}>", self.read_prefix)
    }

    /// The subject a key is stored under, for reads: `$KV.<bucket>.<key>`.
    pub fn key_subject(&self, key: &str) -> Result<String, InvalidName> {
        validate_key(key)?;
        Ok(format!("{}{key}", self.read_prefix))
    }

    /// The subject a write of `key` is published to (see the module docs).
    pub fn write_subject(&self, key: &str) -> Result<String, InvalidName> {
        validate_key(key)?;
        Ok(format!("{}{key}", self.write_prefix))
    }

    /// The consumer filter subject of a watch filter (`*` and `>` allowed).
    pub fn filter_subject(&self, filter: &str) -> Result<String, InvalidName> {
        validate_watch_filter(filter)?;
        Ok(format!("{}{filter}", self.read_prefix))
    }

    /// The key a stored message's subject names, if it is one of this bucket's.
    pub fn key_of<'a>(&self, subject: &'a str) -> Option<&'a str> {
        subject
            .strip_prefix(self.read_prefix.as_str())
            .filter(|key| !key.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_is_the_stream_kv_bucket_on_the_subjects_kv_bucket_all() {
        let s = KvSubjects::new("greetings", &ApiPrefix::default()).unwrap();
        assert_eq!(s.bucket(), "greetings");
        assert_eq!(s.stream(), "KV_greetings");
        assert_eq!(s.stream_subjects(), "$KV.greetings.>");
        assert_eq!(s.key_subject("joe").unwrap(), "$KV.greetings.joe");
        assert_eq!(s.write_subject("a.b").unwrap(), "$KV.greetings.a.b");
        assert_eq!(s.filter_subject("a.*").unwrap(), "$KV.greetings.a.*");
    }

    #[test]
    fn writes_under_a_domain_or_custom_prefix_carry_that_prefix_reads_do_not() {
        let s = KvSubjects::new("cfg", &ApiPrefix::domain("hub").unwrap()).unwrap();
        assert_eq!(s.write_subject("k").unwrap(), "$JS.hub.API.$KV.cfg.k");
        assert_eq!(s.key_subject("k").unwrap(), "$KV.cfg.k");
        assert_eq!(s.stream_subjects(), "$KV.cfg.>");
        let custom = ApiPrefix::custom("imported.JS.").unwrap();
        let custom = KvSubjects::new("cfg", &custom).unwrap();
        assert_eq!(custom.write_subject("k").unwrap(), "imported.JS.$KV.cfg.k");
        let default_spelled_out = ApiPrefix::custom("$JS.API").unwrap();
        let default_spelled_out = KvSubjects::new("cfg", &default_spelled_out).unwrap();
        assert_eq!(default_spelled_out.write_subject("k").unwrap(), "$KV.cfg.k");
    }

    #[test]
    fn invalid_buckets_keys_and_filters_are_refused() {
        assert!(KvSubjects::new("a.b", &ApiPrefix::default()).is_err());
        let s = KvSubjects::new("b", &ApiPrefix::default()).unwrap();
        assert!(s.key_subject("a*").is_err());
        assert!(s.write_subject(".a").is_err());
        assert!(s.filter_subject(">.a").is_err());
    }

    #[test]
    fn the_key_of_a_subject_is_what_follows_the_bucket_prefix() {
        let s = KvSubjects::new("b", &ApiPrefix::domain("hub").unwrap()).unwrap();
        assert_eq!(s.key_of("$KV.b.joe"), Some("joe"));
        assert_eq!(s.key_of("$KV.b.a.b.c"), Some("a.b.c"));
        assert_eq!(s.key_of("$KV.b."), None);
        assert_eq!(s.key_of("$KV.bb.joe"), None);
        assert_eq!(s.key_of("$KV.b"), None);
        assert_eq!(s.key_of(""), None);
    }
}
