//! Key-Value buckets on JetStream (ADR-8) as data (feature `jetstream`): names and keys
//! checked before anything is sent, a bucket's configuration and the stream it becomes, the
//! subjects of its keys, and its entries and status read back. `nats-web`'s `kv` module is
//! the async store over it.
//!
//! * [`validate`]: bucket names, keys and watch filters, exactly as ADR-8 defines them;
//! * [`subjects`]: `KV_<bucket>`, `$KV.<bucket>.<key>` and the API-prefix rule for writes;
//! * [`config`]: [`KvConfig`] and its [`StreamConfig`](crate::jetstream::StreamConfig);
//! * [`operation`]: put, delete or purge, from a stored message's headers;
//! * [`entry`]: [`Entry`], a key's value at one revision;
//! * [`status`]: [`KvStatus`], from the stream's info;
//! * [`opened`]: [`OpenedBucket`], the little of the stream's info that opening a bucket reads;
//! * [`initial`]: when a watch has delivered its initial values.
//!
//! Times are nanoseconds since the Unix epoch, as everywhere in [`crate::jetstream`].

pub mod config;
pub mod entry;
pub mod initial;
pub mod opened;
pub mod operation;
pub mod status;
pub mod subjects;
pub mod validate;

pub use config::{InvalidConfig, KvConfig, MAX_HISTORY};
pub use entry::{Entry, StoredParts};
pub use initial::InitialValues;
pub use opened::OpenedBucket;
pub use operation::Operation;
pub use status::{KvStatus, NotABucket};
pub use subjects::KvSubjects;
pub use validate::{
    validate_bucket, validate_key, validate_watch_filter, InvalidName, NameKind, MAX_BUCKET_LEN,
    MAX_KEY_LEN,
};
