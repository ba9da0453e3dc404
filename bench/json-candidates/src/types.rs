//! The StreamInfo reply of `$JS.API.STREAM.INFO.<stream>` (ADR-1), as a JetStream client
//! would type it: ~30 config fields (nested sources, placement, republish, consumer limits,
//! metadata), enums as strings, u64 counters, durations in nanoseconds, RFC 3339 strings, the
//! state and the cluster. One definition; the enabled candidate's derives apply (`Str`, `List`
//! and `Map` are the candidate's string, list and map types).

#![allow(missing_docs)]
// nanoserde's derives write `match .. { Err(e) => return Err(e), .. }`.
#![cfg_attr(feature = "nanoserde", allow(clippy::question_mark))]

/// A field the server leaves out when it is zero, false or empty (Go's `omitempty`): the type
/// itself where the candidate can default a missing field, an `Option` for miniserde, which
/// cannot (read it with [`value`]).
#[cfg(not(feature = "miniserde"))]
pub type Dflt<T> = T;
#[cfg(feature = "miniserde")]
pub type Dflt<T> = Option<T>;

/// The value of a [`Dflt`] field, its default when missing.
#[cfg(not(feature = "miniserde"))]
pub fn value<T: Clone>(field: &Dflt<T>) -> T {
    field.clone()
}
#[cfg(feature = "miniserde")]
pub fn value<T: Clone + Default>(field: &Dflt<T>) -> T {
    field.clone().unwrap_or_default()
}

#[cfg(not(feature = "serde_json_core"))]
pub type Str = String;
#[cfg(not(feature = "serde_json_core"))]
pub type List<T> = Vec<T>;
#[cfg(not(feature = "serde_json_core"))]
pub type Map = std::collections::BTreeMap<String, String>;
/// serde-json-core has no allocator: fixed-capacity strings, lists and maps.
#[cfg(feature = "serde_json_core")]
pub type Str = heapless::String<128>;
#[cfg(feature = "serde_json_core")]
pub type List<T> = heapless::Vec<T, 8>;
#[cfg(feature = "serde_json_core")]
pub type Map = heapless::LinearMap<heapless::String<32>, heapless::String<64>, 8>;

/// Every struct: the enabled candidate's derives, and missing members taken from `Default`.
macro_rules! wire_structs {
    ($($item:item)*) => {$(
        #[cfg_attr(
            any(feature = "serde_json", feature = "serde_json_core"),
            derive(serde::Deserialize, serde::Serialize),
            serde(default)
        )]
        #[cfg_attr(feature = "miniserde", derive(miniserde::Deserialize, miniserde::Serialize))]
        #[cfg_attr(feature = "nanoserde", derive(nanoserde::DeJson, nanoserde::SerJson), nserde(default))]
        #[derive(Debug, Clone, Default, PartialEq)]
        $item
    )*};
}

/// Every enum: the enabled candidate's derives (variants renamed one by one: miniserde and
/// nanoserde have no `rename_all`).
macro_rules! wire_enums {
    ($($item:item)*) => {$(
        #[cfg_attr(
            any(feature = "serde_json", feature = "serde_json_core"),
            derive(serde::Deserialize, serde::Serialize)
        )]
        #[cfg_attr(feature = "miniserde", derive(miniserde::Deserialize, miniserde::Serialize))]
        #[cfg_attr(feature = "nanoserde", derive(nanoserde::DeJson, nanoserde::SerJson))]
        #[derive(Debug, Clone, Default, PartialEq)]
        $item
    )*};
}

wire_structs! {
/// The reply.
pub struct StreamInfo {
    pub config: StreamConfig,
    /// RFC 3339.
    pub created: Str,
    pub state: StreamState,
    pub cluster: Option<ClusterInfo>,
    pub mirror: Option<SourceInfo>,
    pub sources: Option<List<SourceInfo>>,
    /// RFC 3339 (2.10+).
    pub ts: Option<Str>,
}


/// The stream's configuration.
pub struct StreamConfig {
    pub name: Str,
    pub description: Option<Str>,
    pub subjects: Dflt<List<Str>>,
    pub retention: Dflt<Retention>,
    pub max_consumers: Dflt<i64>,
    pub max_msgs: Dflt<i64>,
    pub max_bytes: Dflt<i64>,
    /// Nanoseconds.
    pub max_age: Dflt<i64>,
    pub max_msgs_per_subject: Dflt<i64>,
    pub max_msg_size: Dflt<i32>,
    pub discard: Dflt<Discard>,
    pub storage: Dflt<Storage>,
    pub num_replicas: Dflt<u32>,
    pub no_ack: Dflt<bool>,
    pub template_owner: Option<Str>,
    /// Nanoseconds.
    pub duplicate_window: Dflt<i64>,
    pub placement: Option<Placement>,
    pub mirror: Option<Source>,
    pub sources: Option<List<Source>>,
    pub sealed: Dflt<bool>,
    pub deny_delete: Dflt<bool>,
    pub deny_purge: Dflt<bool>,
    pub allow_rollup_hdrs: Dflt<bool>,
    pub allow_direct: Dflt<bool>,
    pub mirror_direct: Dflt<bool>,
    pub republish: Option<Republish>,
    pub compression: Option<Compression>,
    pub first_seq: Option<u64>,
    pub consumer_limits: Option<ConsumerLimits>,
    pub allow_msg_ttl: Dflt<bool>,
    /// Nanoseconds (2.11+).
    pub subject_delete_marker_ttl: Option<i64>,
    pub metadata: Option<Map>,
}


/// Placement.
pub struct Placement {
    pub cluster: Option<Str>,
    pub tags: Dflt<List<Str>>,
}


/// A mirror or source in the config.
pub struct Source {
    pub name: Str,
    pub opt_start_seq: Option<u64>,
    pub opt_start_time: Option<Str>,
    pub filter_subject: Option<Str>,
    pub external: Option<External>,
}


/// Another domain's API.
pub struct External {
    pub api: Str,
    pub deliver: Dflt<Str>,
}


/// Republish.
pub struct Republish {
    pub src: Str,
    pub dest: Str,
    pub headers_only: Dflt<bool>,
}


/// Consumer limits.
pub struct ConsumerLimits {
    pub inactive_threshold: Option<i64>,
    pub max_ack_pending: Option<i64>,
}


/// The stream's state.
pub struct StreamState {
    pub messages: u64,
    pub bytes: u64,
    pub first_seq: u64,
    pub first_ts: Str,
    pub last_seq: u64,
    pub last_ts: Str,
    pub num_subjects: Dflt<u64>,
    pub num_deleted: Dflt<u64>,
    pub consumer_count: Dflt<u64>,
}


/// The cluster.
pub struct ClusterInfo {
    pub name: Option<Str>,
    pub leader: Option<Str>,
    pub replicas: Option<List<PeerInfo>>,
}


/// A replica.
pub struct PeerInfo {
    pub name: Str,
    pub current: Dflt<bool>,
    pub offline: Dflt<bool>,
    /// Nanoseconds.
    pub active: Dflt<i64>,
    pub lag: Option<u64>,
}


/// A mirror's or source's state.
pub struct SourceInfo {
    pub name: Str,
    pub filter_subject: Option<Str>,
    pub lag: Dflt<u64>,
    /// Nanoseconds since last contact; -1 never.
    pub active: Dflt<i64>,
    pub external: Option<External>,
}
}

wire_enums! {
/// Retention policy.
pub enum Retention {
    #[cfg_attr(
        any(feature = "serde_json", feature = "serde_json_core"),
        serde(rename = "limits")
    )]
    #[cfg_attr(feature = "miniserde", serde(rename = "limits"))]
    #[cfg_attr(feature = "nanoserde", nserde(rename = "limits"))]
    #[default]
    Limits,
    #[cfg_attr(
        any(feature = "serde_json", feature = "serde_json_core"),
        serde(rename = "interest")
    )]
    #[cfg_attr(feature = "miniserde", serde(rename = "interest"))]
    #[cfg_attr(feature = "nanoserde", nserde(rename = "interest"))]
    Interest,
    #[cfg_attr(
        any(feature = "serde_json", feature = "serde_json_core"),
        serde(rename = "workqueue")
    )]
    #[cfg_attr(feature = "miniserde", serde(rename = "workqueue"))]
    #[cfg_attr(feature = "nanoserde", nserde(rename = "workqueue"))]
    WorkQueue,
}

/// Discard policy.
pub enum Discard {
    #[cfg_attr(
        any(feature = "serde_json", feature = "serde_json_core"),
        serde(rename = "old")
    )]
    #[cfg_attr(feature = "miniserde", serde(rename = "old"))]
    #[cfg_attr(feature = "nanoserde", nserde(rename = "old"))]
    #[default]
    Old,
    #[cfg_attr(
        any(feature = "serde_json", feature = "serde_json_core"),
        serde(rename = "new")
    )]
    #[cfg_attr(feature = "miniserde", serde(rename = "new"))]
    #[cfg_attr(feature = "nanoserde", nserde(rename = "new"))]
    New,
}

/// Storage type.
pub enum Storage {
    #[cfg_attr(
        any(feature = "serde_json", feature = "serde_json_core"),
        serde(rename = "file")
    )]
    #[cfg_attr(feature = "miniserde", serde(rename = "file"))]
    #[cfg_attr(feature = "nanoserde", nserde(rename = "file"))]
    #[default]
    File,
    #[cfg_attr(
        any(feature = "serde_json", feature = "serde_json_core"),
        serde(rename = "memory")
    )]
    #[cfg_attr(feature = "miniserde", serde(rename = "memory"))]
    #[cfg_attr(feature = "nanoserde", nserde(rename = "memory"))]
    Memory,
}

/// Compression (2.10+).
pub enum Compression {
    #[cfg_attr(
        any(feature = "serde_json", feature = "serde_json_core"),
        serde(rename = "none")
    )]
    #[cfg_attr(feature = "miniserde", serde(rename = "none"))]
    #[cfg_attr(feature = "nanoserde", nserde(rename = "none"))]
    #[default]
    None,
    #[cfg_attr(
        any(feature = "serde_json", feature = "serde_json_core"),
        serde(rename = "s2")
    )]
    #[cfg_attr(feature = "miniserde", serde(rename = "s2"))]
    #[cfg_attr(feature = "nanoserde", nserde(rename = "s2"))]
    S2,
}
}
