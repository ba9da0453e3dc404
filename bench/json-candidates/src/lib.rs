//! One JSON candidate at a time (its cargo feature): `parse` reads a StreamInfo reply, `write`
//! writes a StreamConfig request body, `CANDIDATE` names it. With no candidate feature only the
//! types exist (the baseline page).

pub mod types;

use types::{StreamConfig, StreamInfo};

#[cfg(any(
    all(
        feature = "serde_json",
        any(
            feature = "miniserde",
            feature = "nanoserde",
            feature = "serde_json_core"
        )
    ),
    all(
        feature = "miniserde",
        any(feature = "nanoserde", feature = "serde_json_core")
    ),
    all(feature = "nanoserde", feature = "serde_json_core"),
))]
compile_error!("enable one candidate feature at a time");

/// The enabled candidate's name.
pub const CANDIDATE: &str = if cfg!(feature = "serde_json") {
    "serde_json"
} else if cfg!(feature = "miniserde") {
    "miniserde"
} else if cfg!(feature = "nanoserde") {
    "nanoserde"
} else if cfg!(feature = "serde_json_core") {
    "serde-json-core"
} else {
    "none"
};

/// Reads a StreamInfo reply with the enabled candidate.
pub fn parse(json: &[u8]) -> Result<StreamInfo, String> {
    #[cfg(feature = "serde_json")]
    return serde_json::from_slice(json).map_err(|e| e.to_string());
    #[cfg(feature = "miniserde")]
    return std::str::from_utf8(json)
        .map_err(|e| e.to_string())
        .and_then(|s| miniserde::json::from_str(s).map_err(|e| e.to_string()));
    #[cfg(feature = "nanoserde")]
    return std::str::from_utf8(json)
        .map_err(|e| e.to_string())
        .and_then(|s| nanoserde::DeJson::deserialize_json(s).map_err(|e| e.to_string()));
    #[cfg(feature = "serde_json_core")]
    return {
        let mut scratch = [0u8; 256];
        serde_json_core::from_slice_escaped(json, &mut scratch)
            .map(|(info, _)| info)
            .map_err(|e| e.to_string())
    };
    #[allow(unreachable_code)]
    {
        let _ = json;
        Err("no candidate".into())
    }
}

/// Writes a StreamConfig request body with the enabled candidate.
pub fn write(config: &StreamConfig) -> Vec<u8> {
    #[cfg(feature = "serde_json")]
    return serde_json::to_vec(config).unwrap_or_default();
    #[cfg(feature = "miniserde")]
    return miniserde::json::to_string(config).into_bytes();
    #[cfg(feature = "nanoserde")]
    return nanoserde::SerJson::serialize_json(config).into_bytes();
    #[cfg(feature = "serde_json_core")]
    return {
        let mut out = vec![0u8; 4096];
        let n = serde_json_core::to_slice(config, &mut out).unwrap_or(0);
        out.truncate(n);
        out
    };
    #[allow(unreachable_code)]
    {
        let _ = config;
        Vec::new()
    }
}
