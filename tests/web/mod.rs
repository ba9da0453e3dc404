//! Helpers for the browser tests (`wasm-pack test --headless --chrome`): server URLs given at
//! compile time, sleeping without blocking the page, and waiting for the page to show text.
#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

use futures::future::{select, Either};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The WebSocket listener of the nats-server the test command started.
pub const WS_URL: &str = match option_env!("NATS_WS_URL") {
    Some(url) => url,
    None => "ws://127.0.0.1:4280",
};

/// A 127.0.0.1 port where nothing listens (chosen by the test command).
pub const CLOSED_WS_URL: &str = match option_env!("NATS_CLOSED_WS_URL") {
    Some(url) => url,
    None => "ws://127.0.0.1:4299",
};

/// The nats-server's TCP client port, addressed as if it were a WebSocket listener.
pub const TCP_PORT_AS_WS_URL: &str = match option_env!("NATS_TCP_AS_WS_URL") {
    Some(url) => url,
    None => "ws://127.0.0.1:4222",
};

/// The WebSocket listener of the JetStream-enabled nats-server the test command started.
pub const JS_WS_URL: &str = match option_env!("NATS_JS_WS_URL") {
    Some(url) => url,
    None => "ws://127.0.0.1:4283",
};

/// The TCP client port of [`JS_WS_URL`]'s server (for peers such as nats-py).
pub const JS_TCP_PORT: &str = match option_env!("NATS_JS_TCP_PORT") {
    Some(port) => port,
    None => "4223",
};

/// A nats-server the tests may kill and start again, through [`CONTROL_URL`].
pub const RESTARTABLE_WS_URL: &str = match option_env!("NATS_RESTARTABLE_WS_URL") {
    Some(url) => url,
    None => "ws://127.0.0.1:4281",
};

/// `scripts/nats_control.py`'s HTTP endpoint for [`RESTARTABLE_WS_URL`]'s server.
pub const CONTROL_URL: &str = match option_env!("NATS_CONTROL_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:4298",
};

/// Asks the control program to `kill` or `start` the restartable server; resolves when done.
pub async fn control(action: &str) {
    let window = web_sys::window().unwrap();
    let response = JsFuture::from(window.fetch_with_str(&format!("{CONTROL_URL}/{action}")))
        .await
        .expect("the control program answers");
    let response: web_sys::Response = response.dyn_into().unwrap();
    assert!(
        response.ok(),
        "{action} failed: status {}",
        response.status()
    );
}

/// A nats-server that requires a user (user/password or NKey) over its WebSocket listener.
pub const USERS_WS_URL: &str = match option_env!("NATS_USERS_WS_URL") {
    Some(url) => url,
    None => "ws://127.0.0.1:4282",
};

/// A nats-server that requires the token [`TOKEN`].
pub const TOKEN_WS_URL: &str = match option_env!("NATS_TOKEN_WS_URL") {
    Some(url) => url,
    None => "ws://127.0.0.1:4283",
};

/// The credentials `scripts/test.sh` configures on those servers (test-only values).
pub const USER: &str = "alice";
/// Password of [`USER`].
pub const PASSWORD: &str = "secret-a";
/// A user of [`USERS_WS_URL`] who may not subscribe to `secret.>` nor to `_INBOX.>`.
pub const WATCHER_USER: &str = "watcher";
/// Password of [`WATCHER_USER`].
pub const WATCHER_PASSWORD: &str = "secret-w";
/// A user of [`USERS_WS_URL`] who may not subscribe to `$SRV.>` (a service's discovery).
pub const NO_SRV_USER: &str = "nosrv";
/// Password of [`NO_SRV_USER`].
pub const NO_SRV_PASSWORD: &str = "secret-n";
/// The token of [`TOKEN_WS_URL`].
pub const TOKEN: &str = "s3cr3t-token";
/// Seed of the NKey user (public key `UATXNCQ...` in the server config).
pub const NKEY_SEED: &str = "SUANNB2B3NP6KOWL6GFUS6J6MEEHE35QVOPLKGTXPTNTYHLHKDUZO6RAMA";
/// A well-formed seed the servers do not know.
pub const UNKNOWN_NKEY_SEED: &str = "SUAEGIQJKLJXK5QEMVLR22G6TZJ27D7B4CCVTL43BVZY5WJ3Y45EGTYZK4";

/// Longest any one wait in a browser test may take before the test fails instead of hanging.
pub const PATIENCE: Duration = Duration::from_secs(15);

/// Resolves after `duration`, letting the page (or worker) run meanwhile.
pub async fn sleep(duration: Duration) {
    // The global scope's `setTimeout`: there is no `window` in a Web Worker.
    let global = js_sys::global();
    let set_timeout: js_sys::Function = js_sys::Reflect::get(&global, &"setTimeout".into())
        .expect("a global setTimeout")
        .unchecked_into();
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let delay = JsValue::from(duration.as_millis() as f64);
        let _ = set_timeout.call2(&global, &resolve, &delay);
    });
    let _ = JsFuture::from(promise).await;
}

/// `future`'s output, or `None` if it took longer than [`PATIENCE`] (a test fails instead of
/// hanging).
pub async fn within_patience<T>(future: impl Future<Output = T>) -> Option<T> {
    let future = std::pin::pin!(future);
    let timeout = std::pin::pin!(sleep(PATIENCE));
    match select(future, timeout).await {
        Either::Left((value, _)) => Some(value),
        Either::Right(((), _)) => None,
    }
}

/// The first client event `f` picks out, waited for at most [`PATIENCE`].
pub async fn next_matching<T>(
    events: &mut nats_web::client::channel::Receiver<nats_web::ClientEvent>,
    mut f: impl FnMut(nats_web::ClientEvent) -> Option<T>,
) -> T {
    use futures::StreamExt;
    let found = within_patience(async {
        while let Some(event) = events.next().await {
            if let Some(found) = f(event) {
                return Some(found);
            }
        }
        None
    })
    .await;
    found
        .expect("the awaited event came in time")
        .expect("the event stream ended first")
}

/// Waits until `element`'s text contains `needle`; panics with the text after [`PATIENCE`].
pub async fn wait_for_text(element: &web_sys::HtmlElement, needle: &str) -> String {
    let deadline = web_time::Instant::now() + PATIENCE;
    loop {
        let text = element.inner_text();
        if text.contains(needle) {
            return text;
        }
        assert!(
            web_time::Instant::now() < deadline,
            "{needle:?} did not appear; the page shows:\n{text}"
        );
        sleep(Duration::from_millis(20)).await;
    }
}

/// The text of the first element under `root` matching `selector` once it contains
/// `needle`; panics with what it shows after [`PATIENCE`].
pub async fn wait_for_text_in(root: &web_sys::HtmlElement, selector: &str, needle: &str) -> String {
    wait_for_text_within(root, selector, needle, PATIENCE).await
}

/// [`wait_for_text_in`], waiting at most `patience`.
pub async fn wait_for_text_within(
    root: &web_sys::HtmlElement,
    selector: &str,
    needle: &str,
    patience: Duration,
) -> String {
    let deadline = web_time::Instant::now() + patience;
    loop {
        let text = root
            .query_selector(selector)
            .unwrap()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            .map(|e| e.inner_text())
            .unwrap_or_default();
        if text.contains(needle) {
            return text;
        }
        assert!(
            web_time::Instant::now() < deadline,
            "{needle:?} did not appear in {selector}; it shows:\n{text}"
        );
        sleep(Duration::from_millis(20)).await;
    }
}

/// A fresh `<div>` attached to the document body.
pub fn fresh_root() -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let div = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    div.dyn_into().unwrap()
}

/// The button inside `root` whose text is `label`.
pub fn button(root: &web_sys::HtmlElement, label: &str) -> web_sys::HtmlButtonElement {
    let buttons = root.query_selector_all("button").unwrap();
    (0..buttons.length())
        .filter_map(|i| buttons.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::HtmlButtonElement>().ok())
        .find(|b| b.inner_text().trim() == label)
        .unwrap_or_else(|| panic!("no button {label:?}"))
}

/// Waits until `button` is enabled, then clicks it.
pub async fn click_when_enabled(button: &web_sys::HtmlButtonElement) {
    let deadline = web_time::Instant::now() + PATIENCE;
    while button.disabled() {
        assert!(
            web_time::Instant::now() < deadline,
            "button stayed disabled"
        );
        sleep(Duration::from_millis(20)).await;
    }
    button.click();
}
