//! The smallest page that uses a Key-Value bucket with the client and nothing else (no yew):
//! connect, open bucket `greetings` (creating it if it is not there), watch key `joe`, put it,
//! get it back, take the watched entry, show the value and its revision. Built by
//! `scripts/bench.sh` with the `jetstream` feature to weigh what Key-Value adds to a client-only
//! page (`bench/minimal-kv.html`; compare `minimal`).

use futures::StreamExt;
use nats_web::kv::{KvConfig, KvErrorKind, WatchEvent};
use nats_web::{connect, jetstream, ConnectOptions};
use nats_web_demo::app::config::servers_from_query;

/// talc instead of dlmalloc, as in `minimal` (the same allocator, so the difference is KV).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

async fn run() -> Result<String, String> {
    let query = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let options = ConnectOptions::new().servers(servers_from_query(&query));
    let client = connect(options).await.map_err(|e| e.to_string())?;
    let context = jetstream::new(client);
    let store = match context.key_value("greetings").await {
        Err(e) if e.kind() == KvErrorKind::NotFound => {
            context.create_key_value(KvConfig::new("greetings")).await
        }
        other => other,
    }
    .map_err(|e| e.to_string())?;
    let mut watch = store.watch("joe").await.map_err(|e| e.to_string())?;
    let revision = store
        .put("joe", "hello, joe")
        .await
        .map_err(|e| e.to_string())?;
    let value = store.get("joe").await.map_err(|e| e.to_string())?;
    let mut watched = 0;
    while let Some(event) = watch.next().await {
        if let WatchEvent::Entry(entry) = event.map_err(|e| e.to_string())? {
            watched = entry.revision;
            if watched == revision {
                break;
            }
        }
    }
    Ok(format!(
        "{}\nrevision {revision}, watched {watched}",
        String::from_utf8_lossy(&value.unwrap_or_default())
    ))
}

fn main() {
    wasm_bindgen_futures::spawn_local(async {
        let text = run().await.unwrap_or_else(|e| e);
        if let Some(pre) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("result"))
        {
            pre.set_text_content(Some(&text));
        }
    });
}
