//! The smallest page that uses the client and nothing else (no yew): connect, request, show the
//! reply. Built by `scripts/bench.sh` to weigh the client on its own (`bench/minimal.html`).

use nats_web::{connect, ConnectOptions};
use nats_web_demo::app::config::servers_from_query;

/// talc instead of dlmalloc: 2.7 KB less gzip for the page (README, "Page weight").
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    wasm_bindgen_futures::spawn_local(async {
        let query = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        let options = ConnectOptions::new().servers(servers_from_query(&query));
        let text = match connect(options).await {
            Ok(client) => match client.request("greet.joe", "").await {
                Ok(reply) => String::from_utf8_lossy(&reply.payload).into_owned(),
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
