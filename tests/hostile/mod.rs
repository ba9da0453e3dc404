//! Helpers for tests/browser_hostile.rs: the URLs of `scripts/hostile_server.py`, its per-run
//! report, waits that fail instead of hanging, and the size of the wasm instance's memory.
#![allow(dead_code)]

mod flows;
pub use flows::*;

use std::cell::RefCell;
use std::future::IntoFuture;
use std::rc::Rc;
use std::time::Duration;

use futures::future::{select, Either};
use futures::StreamExt;
use nats_web::client::{channel, ClientEvent};
use nats_web::ConnectOptions;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::web::{sleep, within_patience, PATIENCE};

/// The hostile server's WebSocket listener; the path names the scenario.
pub const HOSTILE_WS_URL: &str = match option_env!("NATS_HOSTILE_WS_URL") {
    Some(url) => url,
    None => "ws://127.0.0.1:4290",
};

/// The same server's HTTP side (`/report?path=`).
pub const HOSTILE_CONTROL_URL: &str = match option_env!("NATS_HOSTILE_CONTROL_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:4290",
};

/// What the most memory-hungry scenario that the client must *refuse* may add to the wasm
/// memory: the 16 MiB endless INFO, the 8 MiB body of a 99999999999-byte MSG and the 60 MiB
/// MSG each need more than this if they are buffered, while the most a legitimate scenario
/// makes the client hold is a 64 KiB INFO (a copy or two), a 64 KiB frame and the 600 KB of
/// PONGs that answer a flood of 100,000 PINGs.
pub const REFUSED_GROWTH_BUDGET: u32 = 4 * 1024 * 1024;

thread_local! {
    /// Tells this page's runs from those of earlier pages on the same server.
    static PAGE_ID: String = format!("{:08x}", (js_sys::Math::random() * f64::from(u32::MAX)) as u32);
    /// Messages of the errors no code caught (a trap in a task), since the first [`url`].
    static UNCAUGHT: Rc<RefCell<Vec<String>>> = {
        let seen = Rc::new(RefCell::new(Vec::new()));
        listen_for_uncaught_errors(seen.clone());
        seen
    };
}

/// The URL of one run of `scenario`: connections to the same path share a broker and a report,
/// so each test uses its own `tag` (and each page load its own id). Starts watching for
/// uncaught errors.
pub fn url(scenario: &str, tag: &str) -> String {
    UNCAUGHT.with(|_| ());
    format!("{HOSTILE_WS_URL}{}", path(scenario, tag))
}

/// The path part of [`url`], as the report names it.
pub fn path(scenario: &str, tag: &str) -> String {
    PAGE_ID.with(|page| format!("/{scenario}/{tag}-{page}"))
}

/// Errors that reached the window uncaught since the first [`url`]: a trap (`RuntimeError:
/// unreachable`) in a task such as a responder, where no test future sees it.
pub fn uncaught_errors() -> Vec<String> {
    UNCAUGHT.with(|seen| seen.borrow().clone())
}

fn listen_for_uncaught_errors(seen: Rc<RefCell<Vec<String>>>) {
    let window = web_sys::window().expect("a window");
    let on_error = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let field = |name: &str| js_sys::Reflect::get(&event, &name.into()).ok();
        let text = field("message")
            .and_then(|m| m.as_string())
            .or_else(|| {
                field("reason").and_then(|r| {
                    js_sys::Reflect::get(&r, &"message".into())
                        .ok()?
                        .as_string()
                })
            })
            .unwrap_or_else(|| "an error without a message".into());
        seen.borrow_mut().push(text);
    });
    let add: js_sys::Function = js_sys::Reflect::get(&window, &"addEventListener".into())
        .expect("addEventListener")
        .unchecked_into();
    for kind in ["error", "unhandledrejection"] {
        add.call2(&window, &kind.into(), on_error.as_ref())
            .expect("listening for uncaught errors");
    }
    on_error.forget(); // listens for the page's lifetime
}

/// Options for a hostile run: one server, quick reconnects, a bounded number of them.
pub fn options(url: &str) -> ConnectOptions {
    ConnectOptions::new()
        .servers([url])
        .randomize(false)
        .reconnect_wait(Duration::from_millis(100))
        .reconnect_jitter(Duration::from_millis(20))
        .max_reconnects(Some(20))
        .connect_timeout(Duration::from_secs(5))
}

/// Awaits `future` (or a builder that becomes one, like a request), failing the test (a hang)
/// after [`PATIENCE`].
pub async fn within<F: IntoFuture>(what: &str, future: F) -> F::Output {
    within_patience(future.into_future())
        .await
        .unwrap_or_else(|| panic!("{what}: nothing within {PATIENCE:?} (a hang)"))
}

/// A short description of an event, for failure messages (INFO can be 64 KiB).
pub fn describe(event: &ClientEvent) -> String {
    let text = match event {
        ClientEvent::Connected { url, .. } => format!("Connected({url})"),
        ClientEvent::Disconnected { reason, .. } => format!("Disconnected({reason})"),
        ClientEvent::Reconnected { .. } => "Reconnected".into(),
        ClientEvent::ServerError(e) => format!("ServerError({e})"),
        ClientEvent::Closed(reason) => format!("Closed({reason})"),
        other => format!("{other:?}"),
    };
    text.chars().take(300).collect()
}

/// Waits for the first event `f` picks out; fails with the events seen when the stream ends
/// (the connection closed for good) or after [`PATIENCE`].
pub async fn next_event<T>(
    events: &mut channel::Receiver<ClientEvent>,
    what: &str,
    mut f: impl FnMut(&ClientEvent) -> Option<T>,
) -> T {
    let deadline = web_time::Instant::now() + PATIENCE;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(web_time::Instant::now());
        match select(events.next(), Box::pin(sleep(left))).await {
            Either::Left((Some(event), _)) => {
                if let Some(found) = f(&event) {
                    return found;
                }
                seen.push(describe(&event));
            }
            Either::Left((None, _)) => {
                panic!("the events ended before {what}; seen: {seen:#?}")
            }
            Either::Right(_) => panic!("no {what} within {PATIENCE:?}; seen: {seen:#?}"),
        }
    }
}

/// Waits for `Disconnected` and returns its reason as text; a `Closed` first fails the test.
pub async fn disconnected(events: &mut channel::Receiver<ClientEvent>) -> String {
    next_event(events, "Disconnected", |e| match e {
        ClientEvent::Disconnected { reason, .. } => Some(reason.to_string()),
        ClientEvent::Closed(reason) => {
            panic!("closed for good ({reason}) instead of reconnecting")
        }
        _ => None,
    })
    .await
}

/// Waits for `Reconnected`; a `Closed` first fails the test.
pub async fn reconnected(events: &mut channel::Receiver<ClientEvent>) {
    next_event(events, "Reconnected", |e| match e {
        ClientEvent::Reconnected { .. } => Some(()),
        ClientEvent::Closed(reason) => panic!("closed for good ({reason}) instead of reconnecting"),
        _ => None,
    })
    .await
}

/// Bytes of the wasm instance's linear memory. It only ever grows, so a scenario's growth is
/// the most it made the client hold at once beyond what earlier tests already needed.
pub fn wasm_memory_bytes() -> u32 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    memory
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length()
}

/// Fails the test when the memory grew by more than `budget` since `before`.
pub fn assert_memory_grew_at_most(before: u32, budget: u32, scenario: &str) {
    let after = wasm_memory_bytes();
    let growth = after.saturating_sub(before);
    assert!(
        growth <= budget,
        "{scenario}: wasm memory grew by {growth} bytes ({before} -> {after}), more than the {budget} allowed"
    );
}

/// What the hostile server saw of one run (its `/report?path=`).
#[derive(Debug, Clone)]
pub struct Report {
    /// WebSocket handshakes accepted.
    pub connections: u32,
    /// When each was accepted, in ms on the server's monotonic clock.
    pub opened_ms: Vec<f64>,
    /// PINGs the server sent.
    pub pings_sent: u32,
    /// PONGs the client sent back.
    pub pongs_received: u32,
    /// What the scenario did, for failure messages.
    pub notes: String,
}

/// Fetches the report of the run at `path`.
pub async fn report(path: &str) -> Report {
    let window = web_sys::window().expect("a window");
    let url = format!(
        "{HOSTILE_CONTROL_URL}/report?path={}",
        js_sys::encode_uri_component(path)
    );
    let response = JsFuture::from(window.fetch_with_str(&url))
        .await
        .expect("the hostile server answers /report");
    let response: web_sys::Response = response.dyn_into().unwrap();
    assert!(response.ok(), "/report failed: {}", response.status());
    let text = JsFuture::from(response.text().unwrap()).await.unwrap();
    let json = js_sys::JSON::parse(&text.as_string().unwrap()).unwrap();
    let get = |key: &str| js_sys::Reflect::get(&json, &key.into()).unwrap();
    let number = |key: &str| get(key).as_f64().unwrap_or(0.0) as u32;
    let opened_ms = js_sys::Array::from(&get("opened_ms"))
        .iter()
        .filter_map(|v| v.as_f64())
        .collect();
    Report {
        connections: number("connections"),
        opened_ms,
        pings_sent: number("pings_sent"),
        pongs_received: number("pongs_received"),
        notes: js_sys::JSON::stringify(&get("notes"))
            .map(String::from)
            .unwrap_or_default(),
    }
}

/// Logs `text` on the hostile server's stderr (which the test command shows), for figures a
/// test measures but must not assert on.
pub async fn print_on_server(text: &str) {
    let window = web_sys::window().expect("a window");
    let url = format!(
        "{HOSTILE_CONTROL_URL}/print?text={}",
        js_sys::encode_uri_component(text)
    );
    let _ = JsFuture::from(window.fetch_with_str(&url)).await;
}

/// Fails the test if the events received so far include a disconnect or a close.
pub fn assert_not_disconnected(events: &mut channel::Receiver<ClientEvent>, scenario: &str) {
    use futures::FutureExt;
    while let Some(Some(event)) = events.next().now_or_never() {
        if matches!(
            event,
            ClientEvent::Disconnected { .. } | ClientEvent::Closed(_)
        ) {
            panic!("{scenario}: the connection was lost: {}", describe(&event));
        }
    }
}
