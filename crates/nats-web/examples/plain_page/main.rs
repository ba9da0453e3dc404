//! The NATS by Example request-reply program on a page with no framework: plain wasm-bindgen
//! and web-sys. It connects, starts a responder on `greet.*`, sends three requests, drains the
//! responder, sees "no responders", drains the client, and prints each step into the page.
//!
//! Build and serve it with trunk, from the repository root:
//!
//! ```sh
//! trunk serve --example plain_page crates/nats-web/examples/plain_page/index.html
//! ```
//!
//! and open it with `?servers=ws://127.0.0.1:4280` (the default) or any other WebSocket URLs,
//! comma-separated.

use std::time::Duration;

use futures::StreamExt;
use nats_web::{connect, ConnectOptions, RequestErrorKind};
use wasm_bindgen_futures::spawn_local;

/// The server the page uses when its address has no `?servers=`.
const DEFAULT_SERVER: &str = "ws://127.0.0.1:4280";
/// The request timeout of the original program.
const TIMEOUT: Duration = Duration::from_millis(500);

fn main() {
    spawn_local(async {
        let servers = servers_from_page_url();
        if let Err(e) = request_reply(servers).await {
            print(&format!("error: {e}"));
        }
    });
}

/// The program itself: what the NATS by Example page runs, step by step.
async fn request_reply(servers: Vec<String>) -> Result<(), Box<dyn std::error::Error>> {
    let client = connect(ConnectOptions::new().servers(servers)).await?;
    print(&format!("connected to {}", client.server_url()));

    // A service: answers `hello, <name>` on greet.<name>.
    let mut responder = client.subscribe("greet.*").await?;
    let responder_handle = responder.handle();
    spawn_local(async move {
        while let Some(msg) = responder.next().await {
            if let Some(name) = msg.subject.strip_prefix("greet.") {
                let _ = msg.respond(format!("hello, {name}")).await;
            }
        }
    });

    for name in ["joe", "sue", "bob"] {
        let reply = client
            .request(format!("greet.{name}"), "")
            .timeout(TIMEOUT)
            .await?;
        print(&String::from_utf8_lossy(&reply.payload));
    }

    // Without the service, a request fails at once with "no responders".
    responder_handle.drain().await?;
    match client.request("greet.joe", "").timeout(TIMEOUT).await {
        Err(e) if e.kind() == RequestErrorKind::NoResponders => print("no responders"),
        Err(e) => print(&format!("unexpected error: {e}")),
        Ok(reply) => print(&format!("unexpected reply on {}", reply.subject)),
    }

    client.drain().await?;
    print("drained");
    Ok(())
}

/// The `servers` of the page's address (`?servers=ws://a:4280,ws://b:4281`), or
/// [`DEFAULT_SERVER`].
fn servers_from_page_url() -> Vec<String> {
    let servers = web_sys::window()
        .and_then(|window| window.location().search().ok())
        .and_then(|search| web_sys::UrlSearchParams::new_with_str(&search).ok())
        .and_then(|params| params.get("servers"))
        .unwrap_or_default();
    let servers: Vec<String> = servers
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if servers.is_empty() {
        vec![DEFAULT_SERVER.to_owned()]
    } else {
        servers
    }
}

/// Appends one line to the page's `<pre id="output">`.
fn print(line: &str) {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let Some(output) = document.get_element_by_id("output") else {
        return;
    };
    let text = output.text_content().unwrap_or_default();
    output.set_text_content(Some(&format!("{text}{line}\n")));
}
