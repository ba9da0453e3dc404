//! The StreamInfo reply of `$JS.API.STREAM.INFO.<stream>` (ADR-1), as a JetStream client
//! would type it: ~30 config fields (nested sources, placement, republish, consumer limits,
//! metadata), enums as strings, u64 counters, durations in nanoseconds, RFC 3339 strings, the
//! state and the cluster. One definition; the enabled candidate's derives apply (`Str`, `List`
//! and `Map` are the candidate's string, list and map types).

#![allow(missing_docs)]

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

/// The reply.
#[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), derive(serde::Deserialize, serde::Serialize))]
#[cfg_attr(feature = "miniserde", derive(miniserde::Deserialize, miniserde::Serialize))]
#[cfg_attr(feature = "nanoserde", derive(nanoserde::DeJson, nanoserde::SerJson))]
#[derive(Debug, Default, PartialEq)]
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
#[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), derive(serde::Deserialize, serde::Serialize))]
#[cfg_attr(feature = "miniserde", derive(miniserde::Deserialize, miniserde::Serialize))]
#[cfg_attr(feature = "nanoserde", derive(nanoserde::DeJson, nanoserde::SerJson))]
#[derive(Debug, Default, PartialEq)]
pub struct StreamConfig {
    pub name: Str,
    pub description: Option<Str>,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub subjects: List<Str>,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub retention: Retention,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub max_consumers: i64,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub max_msgs: i64,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub max_bytes: i64,
    /// Nanoseconds.
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub max_age: i64,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub max_msgs_per_subject: i64,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub max_msg_size: i32,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub discard: Discard,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub storage: Storage,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub num_replicas: u32,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub no_ack: bool,
    pub template_owner: Option<Str>,
    /// Nanoseconds.
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub duplicate_window: i64,
    pub placement: Option<Placement>,
    pub mirror: Option<Source>,
    pub sources: Option<List<Source>>,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub sealed: bool,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub deny_delete: bool,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub deny_purge: bool,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub allow_rollup_hdrs: bool,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub allow_direct: bool,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub mirror_direct: bool,
    pub republish: Option<Republish>,
    pub compression: Option<Compression>,
    pub first_seq: Option<u64>,
    pub consumer_limits: Option<ConsumerLimits>,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub allow_msg_ttl: bool,
    /// Nanoseconds (2.11+).
    pub subject_delete_marker_ttl: Option<i64>,
    pub metadata: Option<Map>,
}

/// Retention policy.
#[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), derive(serde::Deserialize, serde::Serialize))]
#[cfg_attr(feature = "miniserde", derive(miniserde::Deserialize, miniserde::Serialize))]
#[cfg_attr(feature = "nanoserde", derive(nanoserde::DeJson, nanoserde::SerJson))]
#[derive(Debug, PartialEq)]
pub enum Retention {
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(rename = "limits"))]
    #[cfg_attr(feature = "miniserde", serde(rename = "limits"))]
    #[cfg_attr(feature = "nanoserde", nserde(rename = "limits"))]
    Limits,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(rename = "interest"))]
    #[cfg_attr(feature = "miniserde", serde(rename = "interest"))]
    #[cfg_attr(feature = "nanoserde", nserde(rename = "interest"))]
    Interest,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(rename = "workqueue"))]
    #[cfg_attr(feature = "miniserde", serde(rename = "workqueue"))]
    #[cfg_attr(feature = "nanoserde", nserde(rename = "workqueue"))]
    WorkQueue,
}

impl Default for Retention {
    fn default() -> Self {
        Self::Limits
    }
}

/// Discard policy.
#[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), derive(serde::Deserialize, serde::Serialize))]
#[cfg_attr(feature = "miniserde", derive(miniserde::Deserialize, miniserde::Serialize))]
#[cfg_attr(feature = "nanoserde", derive(nanoserde::DeJson, nanoserde::SerJson))]
#[derive(Debug, PartialEq)]
pub enum Discard {
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(rename = "old"))]
    #[cfg_attr(feature = "miniserde", serde(rename = "old"))]
    #[cfg_attr(feature = "nanoserde", nserde(rename = "old"))]
    Old,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(rename = "new"))]
    #[cfg_attr(feature = "miniserde", serde(rename = "new"))]
    #[cfg_attr(feature = "nanoserde", nserde(rename = "new"))]
    New,
}

impl Default for Discard {
    fn default() -> Self {
        Self::Old
    }
}

/// Storage type.
#[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), derive(serde::Deserialize, serde::Serialize))]
#[cfg_attr(feature = "miniserde", derive(miniserde::Deserialize, miniserde::Serialize))]
#[cfg_attr(feature = "nanoserde", derive(nanoserde::DeJson, nanoserde::SerJson))]
#[derive(Debug, PartialEq)]
pub enum Storage {
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(rename = "file"))]
    #[cfg_attr(feature = "miniserde", serde(rename = "file"))]
    #[cfg_attr(feature = "nanoserde", nserde(rename = "file"))]
    File,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(rename = "memory"))]
    #[cfg_attr(feature = "miniserde", serde(rename = "memory"))]
    #[cfg_attr(feature = "nanoserde", nserde(rename = "memory"))]
    Memory,
}

impl Default for Storage {
    fn default() -> Self {
        Self::File
    }
}

/// Compression (2.10+).
#[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), derive(serde::Deserialize, serde::Serialize))]
#[cfg_attr(feature = "miniserde", derive(miniserde::Deserialize, miniserde::Serialize))]
#[cfg_attr(feature = "nanoserde", derive(nanoserde::DeJson, nanoserde::SerJson))]
#[derive(Debug, PartialEq)]
pub enum Compression {
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(rename = "none"))]
    #[cfg_attr(feature = "miniserde", serde(rename = "none"))]
    #[cfg_attr(feature = "nanoserde", nserde(rename = "none"))]
    None,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(rename = "s2"))]
    #[cfg_attr(feature = "miniserde", serde(rename = "s2"))]
    #[cfg_attr(feature = "nanoserde", nserde(rename = "s2"))]
    S2,
}

impl Default for Compression {
    fn default() -> Self {
        Self::None
    }
}

/// Placement.
#[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), derive(serde::Deserialize, serde::Serialize))]
#[cfg_attr(feature = "miniserde", derive(miniserde::Deserialize, miniserde::Serialize))]
#[cfg_attr(feature = "nanoserde", derive(nanoserde::DeJson, nanoserde::SerJson))]
#[derive(Debug, Default, PartialEq)]
pub struct Placement {
    pub cluster: Option<Str>,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub tags: List<Str>,
}

/// A mirror or source in the config.
#[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), derive(serde::Deserialize, serde::Serialize))]
#[cfg_attr(feature = "miniserde", derive(miniserde::Deserialize, miniserde::Serialize))]
#[cfg_attr(feature = "nanoserde", derive(nanoserde::DeJson, nanoserde::SerJson))]
#[derive(Debug, Default, PartialEq)]
pub struct Source {
    pub name: Str,
    pub opt_start_seq: Option<u64>,
    pub opt_start_time: Option<Str>,
    pub filter_subject: Option<Str>,
    pub external: Option<External>,
}

/// Another domain's API.
#[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), derive(serde::Deserialize, serde::Serialize))]
#[cfg_attr(feature = "miniserde", derive(miniserde::Deserialize, miniserde::Serialize))]
#[cfg_attr(feature = "nanoserde", derive(nanoserde::DeJson, nanoserde::SerJson))]
#[derive(Debug, Default, PartialEq)]
pub struct External {
    pub api: Str,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub deliver: Str,
}

/// Republish.
#[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), derive(serde::Deserialize, serde::Serialize))]
#[cfg_attr(feature = "miniserde", derive(miniserde::Deserialize, miniserde::Serialize))]
#[cfg_attr(feature = "nanoserde", derive(nanoserde::DeJson, nanoserde::SerJson))]
#[derive(Debug, Default, PartialEq)]
pub struct Republish {
    pub src: Str,
    pub dest: Str,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub headers_only: bool,
}

/// Consumer limits.
#[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), derive(serde::Deserialize, serde::Serialize))]
#[cfg_attr(feature = "miniserde", derive(miniserde::Deserialize, miniserde::Serialize))]
#[cfg_attr(feature = "nanoserde", derive(nanoserde::DeJson, nanoserde::SerJson))]
#[derive(Debug, Default, PartialEq)]
pub struct ConsumerLimits {
    pub inactive_threshold: Option<i64>,
    pub max_ack_pending: Option<i64>,
}

/// The stream's state.
#[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), derive(serde::Deserialize, serde::Serialize))]
#[cfg_attr(feature = "miniserde", derive(miniserde::Deserialize, miniserde::Serialize))]
#[cfg_attr(feature = "nanoserde", derive(nanoserde::DeJson, nanoserde::SerJson))]
#[derive(Debug, Default, PartialEq)]
pub struct StreamState {
    pub messages: u64,
    pub bytes: u64,
    pub first_seq: u64,
    pub first_ts: Str,
    pub last_seq: u64,
    pub last_ts: Str,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub num_subjects: u64,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub num_deleted: u64,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub consumer_count: u64,
}

/// The cluster.
#[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), derive(serde::Deserialize, serde::Serialize))]
#[cfg_attr(feature = "miniserde", derive(miniserde::Deserialize, miniserde::Serialize))]
#[cfg_attr(feature = "nanoserde", derive(nanoserde::DeJson, nanoserde::SerJson))]
#[derive(Debug, Default, PartialEq)]
pub struct ClusterInfo {
    pub name: Option<Str>,
    pub leader: Option<Str>,
    pub replicas: Option<List<PeerInfo>>,
}

/// A replica.
#[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), derive(serde::Deserialize, serde::Serialize))]
#[cfg_attr(feature = "miniserde", derive(miniserde::Deserialize, miniserde::Serialize))]
#[cfg_attr(feature = "nanoserde", derive(nanoserde::DeJson, nanoserde::SerJson))]
#[derive(Debug, Default, PartialEq)]
pub struct PeerInfo {
    pub name: Str,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub current: bool,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub offline: bool,
    /// Nanoseconds.
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub active: i64,
    pub lag: Option<u64>,
}

/// A mirror's or source's state.
#[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), derive(serde::Deserialize, serde::Serialize))]
#[cfg_attr(feature = "miniserde", derive(miniserde::Deserialize, miniserde::Serialize))]
#[cfg_attr(feature = "nanoserde", derive(nanoserde::DeJson, nanoserde::SerJson))]
#[derive(Debug, Default, PartialEq)]
pub struct SourceInfo {
    pub name: Str,
    pub filter_subject: Option<Str>,
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub lag: u64,
    /// Nanoseconds since last contact; -1 never.
    #[cfg_attr(any(feature = "serde_json", feature = "serde_json_core"), serde(default))]
    #[cfg_attr(feature = "nanoserde", nserde(default))]
    pub active: i64,
    pub external: Option<External>,
}
