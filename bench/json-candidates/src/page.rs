//! The client-only page (as `src/bin/minimal.rs`) asking for a StreamInfo and showing it:
//! without a candidate feature it shows the reply's text (the baseline); with one it parses the
//! reply into `types::StreamInfo` and shows fields from every level, and with `write` also
//! writes the config back as a request body would be. `scripts/json_candidates.sh` weighs it.

#[cfg(target_arch = "wasm32")]
use nats_web::{connect, ConnectOptions};

/// talc, as the client-only page.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[cfg(not(target_arch = "wasm32"))]
fn main() {}

#[cfg(target_arch = "wasm32")]
fn main() {
    wasm_bindgen_futures::spawn_local(async {
        let query = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        let servers: Vec<String> = query
            .trim_start_matches('?')
            .split('&')
            .filter_map(|pair| pair.strip_prefix("servers="))
            .map(str::to_owned)
            .collect();
        let text = match connect(ConnectOptions::new().servers(servers)).await {
            Ok(client) => match client.request("$JS.API.STREAM.INFO.ORDERS", "").await {
                Ok(reply) => show(&reply.payload),
                Err(e) => e.to_string(),
            },
            Err(e) => e.to_string(),
        };
        if let Some(pre) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("result"))
        {
            pre.set_text_content(Some(&text));
        }
    });
}

#[cfg(all(
    target_arch = "wasm32",
    not(any(
        feature = "serde_json",
        feature = "miniserde",
        feature = "nanoserde",
        feature = "serde_json_core",
        feature = "team"
    ))
))]
fn show(payload: &[u8]) -> String {
    String::from_utf8_lossy(payload).into_owned()
}

#[cfg(all(
    target_arch = "wasm32",
    any(
        feature = "serde_json",
        feature = "miniserde",
        feature = "nanoserde",
        feature = "serde_json_core"
    )
))]
fn show(payload: &[u8]) -> String {
    match json_candidates::parse(payload) {
        Ok(info) => {
            let c = &info.config;
            let text = format!(
                "{} {} subjects {} max_age {} msgs {} bytes {} last {} leader {} sources {} {}",
                c.name,
                c.description.as_deref().unwrap_or(""),
                json_candidates::types::value(&c.subjects).len(),
                json_candidates::types::value(&c.max_age),
                info.state.messages,
                info.state.bytes,
                info.state.last_ts,
                info.cluster
                    .as_ref()
                    .and_then(|c| c.leader.as_deref())
                    .unwrap_or("-"),
                info.sources.as_ref().map_or(0, |s| s.len()),
                info.created,
            );
            #[cfg(feature = "write")]
            let text = format!("{text} config {} B", json_candidates::write(c).len());
            text
        }
        Err(e) => e,
    }
}

/// The team's StreamInfo, as `nats_web::jetstream` reads it.
#[cfg(all(target_arch = "wasm32", feature = "team"))]
fn show(payload: &[u8]) -> String {
    use nats_web::nats_core::jetstream::{read_response, stream::StreamInfo};
    match read_response::<StreamInfo>(payload) {
        Ok(info) => {
            let c = &info.config;
            let text = format!(
                "{} {} subjects {} max_age {} msgs {} bytes {} last {} leader {} {}",
                c.name,
                c.description.as_deref().unwrap_or(""),
                c.subjects.len(),
                c.max_age.as_secs(),
                info.state.messages,
                info.state.bytes,
                info.state.last_seq,
                info.cluster
                    .as_ref()
                    .and_then(|c| c.leader.as_deref())
                    .unwrap_or("-"),
                info.created,
            );
            #[cfg(feature = "write")]
            let text = format!(
                "{text} config {} B",
                serde_json::to_vec(c).map_or(0, |v| v.len())
            );
            text
        }
        Err(e) => e.to_string(),
    }
}
