//! The smallest page that runs a NATS service (ADR-32) with the client and nothing else (no
//! yew): connect, start service `greet` with endpoint `greet.*`, answer one request from
//! itself, show the reply and the service's stats. Built by `scripts/bench.sh` to weigh what
//! services add to a client-only page (`bench/minimal-service.html`; compare `minimal`).

use futures::StreamExt;
use nats_web::{connect, ConnectOptions};
use nats_web_demo::app::config::servers_from_query;

/// talc instead of dlmalloc, as in `minimal` (the same allocator, so the difference is services).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

async fn run() -> Result<String, String> {
    let query = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let options = ConnectOptions::new().servers(servers_from_query(&query));
    let client = connect(options).await.map_err(|e| e.to_string())?;
    let service = client
        .service_builder()
        .name("greet")
        .version("1.0.0")
        .start()
        .await
        .map_err(|e| e.to_string())?;
    let mut endpoint = service
        .endpoint("greet", "greet.*")
        .await
        .map_err(|e| e.to_string())?;
    wasm_bindgen_futures::spawn_local(async move {
        while let Some(request) = endpoint.next().await {
            let name = request
                .subject()
                .strip_prefix("greet.")
                .unwrap_or_default()
                .to_owned();
            let _ = request
                .respond(Ok(format!("hello, {name}").into_bytes()))
                .await;
        }
    });
    let reply = client
        .request("greet.joe", "")
        .await
        .map_err(|e| e.to_string())?;
    // Numbers, not `{:?}` of the stats: Debug formatting of strings costs kilobytes of wasm.
    let requests: u64 = service
        .stats()
        .endpoints
        .iter()
        .map(|e| e.num_requests)
        .sum();
    Ok(format!(
        "{}\nrequests served: {requests}",
        String::from_utf8_lossy(&reply.payload)
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
