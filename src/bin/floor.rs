//! The size floor for a Rust page that talks NATS (`bench/floor.html`): what `src/bin/minimal.rs`
//! does (connect, request `greet.joe`, show the reply), but by hand over a `web_sys::WebSocket`,
//! with no client: one fixed handshake, no parser beyond finding the reply's payload, no
//! reconnect, no errors worth the name. `scripts/bench.sh` weighs it next to the client-only
//! page, so the table shows what std and wasm-bindgen cost before any client code.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, MessageEvent, WebSocket};

/// talc, as in the other pages, so that the floor and the client-only page differ only by the
/// client.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Sent once the server's INFO arrives: the whole request.
const REQUEST: &[u8] = b"CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"no_responders\":true,\"protocol\":1}\r\nSUB _INBOX.floor.* 1\r\nPUB greet.joe _INBOX.floor.1 0\r\n\r\n";

fn main() {
    let query = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let url = query
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix("servers="))
        .and_then(|servers| servers.split(',').next())
        .unwrap_or("ws://127.0.0.1:4280")
        .to_owned();
    let Ok(ws) = WebSocket::new(&url) else {
        show("cannot open a WebSocket");
        return;
    };
    ws.set_binary_type(BinaryType::Arraybuffer);
    let socket = ws.clone();
    let mut greeted = false;
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Ok(buffer) = event.data().dyn_into::<js_sys::ArrayBuffer>() else {
            return;
        };
        let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
        let text = String::from_utf8_lossy(&bytes);
        if !greeted && text.starts_with("INFO ") {
            greeted = true;
            let _ = socket.send_with_u8_array(REQUEST);
        } else if let Some(reply) = reply_payload(&text) {
            show(reply);
            // With a code: nats-server 2.9 answers a bare close with the reserved 1005.
            let _ = socket.close_with_code(1000);
        }
    });
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
}

/// The payload of the first `MSG` in `text`, or the status line of an `HMSG` (no responders).
fn reply_payload(text: &str) -> Option<&str> {
    let start = text.find("MSG ")?;
    let mut lines = text[start..].split("\r\n");
    let control = lines.next()?;
    let body = lines.next()?;
    Some(
        if control.starts_with('H') || text[..start].ends_with('H') {
            body.trim_start_matches("NATS/1.0").trim()
        } else {
            body
        },
    )
}

fn show(text: &str) {
    if let Some(pre) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("result"))
    {
        pre.set_text_content(Some(text));
    }
}
