//! The page's greetings in real headless Chromium against real nats-servers: on a JetStream
//! server they come from a KV bucket the page watches live (a fresh one per test, so the seed
//! program's output is the original's), changes made by another client show in the
//! Greetings panel and change the next reply, the panel's edits reach the bucket, and an
//! update from a stale revision fails as "changed elsewhere"; on a server without JetStream
//! the panel says so and everything else works as before. A bucket made elsewhere, with more
//! keys than the page keeps and values larger than it keeps (hostile text too), is listed
//! within those bounds and still answered with the bucket's values.

#![cfg(target_arch = "wasm32")]

mod kv_support;
mod web;

use std::time::Duration;

use futures::{FutureExt, StreamExt};
use kv_support::{peer_put, JS_RESTARTABLE_WS_URL};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web::{
    button, click_when_enabled, fresh_root, wait_for_text, wait_for_text_in, wait_for_text_within,
    JS_WS_URL, WS_URL,
};

wasm_bindgen_test_configure!(run_in_browser);

/// A bucket name no other test (nor an earlier run) used.
fn fresh_bucket() -> String {
    format!("page_{:x}", (js_sys::Math::random() * 1e15) as u64)
}

fn input(root: &web_sys::HtmlElement, id: &str) -> web_sys::HtmlInputElement {
    root.query_selector(&format!("#{id}"))
        .unwrap()
        .unwrap_or_else(|| panic!("no #{id}"))
        .dyn_into()
        .unwrap()
}

fn labelled_button(root: &web_sys::HtmlElement, label: &str) -> web_sys::HtmlButtonElement {
    root.query_selector(&format!("button[aria-label='{label}']"))
        .unwrap()
        .unwrap_or_else(|| panic!("no button labelled {label:?}"))
        .dyn_into()
        .unwrap()
}

/// The example's four outputs, in order, once its run is over.
async fn the_example_prints(root: &web_sys::HtmlElement, outputs: [&str; 4]) -> String {
    let text = wait_for_text_in(
        root,
        "ol[aria-label='Example output']",
        "connection drained",
    )
    .await;
    let at: Vec<usize> = outputs
        .iter()
        .map(|o| {
            text.find(&format!("\n{o} ("))
                .unwrap_or_else(|| panic!("{o:?} missing from:\n{text}"))
        })
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "out of order:\n{text}");
    text
}

/// Sends `greet.<name>` from the playground; the playground log's reply.
async fn page_asks(root: &web_sys::HtmlElement, name: &str, expected: &str) {
    input(root, "name").set_value(name);
    click_when_enabled(&button(root, "Send request")).await;
    wait_for_text_in(
        root,
        "ol[aria-label='Playground log']",
        &format!("{expected} ("),
    )
    .await;
}

/// One test, so the parts never run at once (the page's greet service on `greet.*` would
/// answer the example's "no responders" request).
#[wasm_bindgen_test]
async fn the_page_answers_from_its_greetings_bucket_and_edits_it_live() {
    let bucket = fresh_bucket();
    let root = fresh_root();
    let app = nats_web_demo::app::mount_with_bucket(
        root.clone().into(),
        vec![JS_WS_URL.to_owned()],
        &bucket,
    );
    let text = the_example_prints(
        &root,
        ["hello, joe", "hello, sue", "hello, bob", "no responders"],
    )
    .await;
    assert!(
        text.contains(&format!("no greetings in bucket {bucket}")),
        "{text}"
    );
    let panel = wait_for_text_in(
        &root,
        "section.greetings-panel",
        &format!("watching bucket {bucket} live: 0 greetings"),
    )
    .await;
    assert!(
        panel.contains(&format!("created bucket {bucket}")),
        "{panel}"
    );

    let peer = nats_web::connect(nats_web::ConnectOptions::new().servers([JS_WS_URL]))
        .await
        .unwrap();
    let store = nats_web::jetstream::new(peer.clone())
        .key_value(&bucket)
        .await
        .unwrap();
    a_put_by_another_client_shows_in_the_panel_and_is_the_next_reply(&root, &peer, &store).await;
    the_panels_edits_reach_the_bucket(&root, &store).await;
    an_update_from_a_stale_revision_fails_as_changed_elsewhere(&root, &store).await;
    the_trace_labels_jetstream_traffic(&root);

    click_when_enabled(&button(&root, "Stop service")).await;
    wait_for_text(&root, "greet service stopped: gone from discovery").await;
    click_when_enabled(&button(&root, "Run example")).await;
    web::sleep(Duration::from_millis(50)).await;
    the_example_prints(
        &root,
        [
            "changed elsewhere",
            "hello, sue",
            "hello, bob",
            "no responders",
        ],
    )
    .await;

    a_deleted_bucket_ends_the_watch_and_retry_creates_it_again(&root, &peer, &bucket).await;
    peer.drain().await.unwrap();
    app.destroy();
}

/// Someone deletes the bucket: the panel says the watch ended (the responders answer
/// `hello, <name>`, not stale greetings), and Retry creates it afresh.
async fn a_deleted_bucket_ends_the_watch_and_retry_creates_it_again(
    root: &web_sys::HtmlElement,
    peer: &nats_web::Client,
    bucket: &str,
) {
    nats_web::jetstream::new(peer.clone())
        .delete_key_value(bucket)
        .await
        .unwrap();
    // Nothing tells a push consumer its stream is gone: the watch's ordered consumer notices
    // by its missed heartbeats (two idle-heartbeat intervals), then fails to recreate it.
    // Seconds, so this one wait has more patience.
    let panel =
        wait_for_text_within(root, "section.greetings-panel", "ended", web::PATIENCE * 3).await;
    assert!(panel.contains("replies are hello, <name>"), "{panel}");
    assert!(
        root.query_selector("tr[data-key='joe']").unwrap().is_none(),
        "{panel}"
    );
    click_when_enabled(&button(root, "Retry")).await;
    wait_for_text_in(
        root,
        "section.greetings-panel",
        &format!("watching bucket {bucket} live: 0 greetings"),
    )
    .await;
}

async fn a_put_by_another_client_shows_in_the_panel_and_is_the_next_reply(
    root: &web_sys::HtmlElement,
    peer: &nats_web::Client,
    store: &nats_web::kv::Store,
) {
    let revision = store.put("joe", b"hi joe".to_vec()).await.unwrap();
    let row = wait_for_text_in(root, "tr[data-key='joe']", "hi joe").await;
    assert!(
        row.contains(&revision.to_string()) && row.contains("put"),
        "{row}"
    );
    wait_for_text(root, "watching bucket").await;
    click_when_enabled(&button(root, "Start service")).await;
    wait_for_text(root, "service greet 1.0.0 started").await;
    // No KV get per request: a second connection sees every direct get or MSG.GET.
    let (observer, mut gets) = get_observer().await;
    page_asks(root, "joe", "hi joe").await;
    page_asks(root, "ann", "hello, ann").await;
    let reply = peer.request("greet.joe", "").await.unwrap();
    assert_eq!(reply.payload, b"hi joe"[..]);
    assert_eq!(
        gets_seen(&observer, &mut gets).await,
        0,
        "no KV get per request"
    );
    // A put by nats-py (another client, another library) is the next reply too.
    peer_put(peer, store.bucket(), "max", "hi max from nats-py").await;
    wait_for_text_in(root, "tr[data-key='max']", "hi max from nats-py").await;
    page_asks(root, "max", "hi max from nats-py").await;
}

/// A second connection subscribed to the JetStream API's get requests (direct get and
/// `STREAM.MSG.GET`): core fan-out delivers it a copy of each.
async fn get_observer() -> (nats_web::Client, nats_web::Subscriber) {
    let observer = nats_web::connect(nats_web::ConnectOptions::new().servers([JS_WS_URL]))
        .await
        .unwrap();
    let api = observer.subscribe("$JS.API.>").await.unwrap();
    observer.flush().await.unwrap();
    (observer, api)
}

/// How many get requests `api` saw until now (after a flush, every copy is in).
async fn gets_seen(observer: &nats_web::Client, api: &mut nats_web::Subscriber) -> usize {
    observer.flush().await.unwrap();
    let mut gets = 0;
    while let Some(Some(message)) = api.next().now_or_never() {
        let subject = message.subject.to_string();
        if subject.contains(".DIRECT.GET.") || subject.contains(".STREAM.MSG.GET.") {
            gets += 1;
        }
    }
    gets
}

async fn the_panels_edits_reach_the_bucket(
    root: &web_sys::HtmlElement,
    store: &nats_web::kv::Store,
) {
    input(root, "greeting-key").set_value("sue");
    input(root, "greeting-value").set_value("hey sue");
    click_when_enabled(&button(root, "Put")).await;
    wait_for_text_in(root, "tr[data-key='sue']", "hey sue").await;
    assert_eq!(
        store.get("sue").await.unwrap().as_deref(),
        Some(&b"hey sue"[..])
    );
    page_asks(root, "sue", "hey sue").await;

    click_when_enabled(&labelled_button(root, "Delete sue")).await;
    wait_for_text_in(root, "tr[data-key='sue']", "delete").await;
    assert_eq!(store.get("sue").await.unwrap(), None);
    page_asks(root, "sue", "hello, sue").await;
}

async fn an_update_from_a_stale_revision_fails_as_changed_elsewhere(
    root: &web_sys::HtmlElement,
    store: &nats_web::kv::Store,
) {
    click_when_enabled(&labelled_button(root, "Edit joe")).await;
    wait_for_text_in(root, "section.greetings-panel", "editing joe at revision").await;
    assert_eq!(input(root, "greeting-value").value(), "hi joe");
    // Meanwhile, elsewhere:
    store
        .put("joe", b"changed elsewhere".to_vec())
        .await
        .unwrap();
    wait_for_text_in(root, "tr[data-key='joe']", "changed elsewhere").await;
    input(root, "greeting-value").set_value("hi from the panel");
    click_when_enabled(&button(root, "Put")).await;
    let log = wait_for_text_in(
        root,
        "ol[aria-label='Greetings log']",
        "joe changed elsewhere since revision",
    )
    .await;
    assert!(log.contains("reload"), "{log}");
    assert_eq!(
        store.get("joe").await.unwrap().as_deref(),
        Some(&b"changed elsewhere"[..]),
        "not overwritten"
    );
    page_asks(root, "joe", "changed elsewhere").await;
}

fn the_trace_labels_jetstream_traffic(root: &web_sys::HtmlElement) {
    let trace = root
        .query_selector("ol[aria-label='Protocol trace']")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap_or_default();
    for tag in ["JetStream API", "KV watch", "KV"] {
        assert!(trace.contains(tag), "{tag:?} missing from the trace");
    }
}

/// A server without JetStream: the panel says so and cannot edit, the responders answer
/// `hello, <name>`, the seed program prints the original output.
#[wasm_bindgen_test]
async fn without_jetstream_the_panel_explains_and_the_seed_still_works() {
    let root = fresh_root();
    let app = nats_web_demo::app::mount(root.clone().into(), vec![WS_URL.to_owned()]);
    let text = the_example_prints(
        &root,
        ["hello, joe", "hello, sue", "hello, bob", "no responders"],
    )
    .await;
    assert!(text.contains("this server has no JetStream"), "{text}");
    let panel = wait_for_text_in(&root, "section.greetings-panel", "no JetStream").await;
    assert!(panel.contains("hello, <name>"), "{panel}");
    assert!(button(&root, "Put").disabled());
    app.destroy();
}

/// A bucket another client made without a value limit, holding a 1 MB value, one with HTML
/// and control characters, and 1001 keys more: the page lists what it keeps (1000 keys,
/// values up to 1 KiB, text as text), and its responder answers every name with the bucket's
/// value, reading the ones it does not keep from the bucket. On the restartable JetStream
/// server, so it never runs beside the test above (both answer `greet.*`).
#[wasm_bindgen_test]
async fn a_bucket_made_elsewhere_is_kept_within_bounds_and_answered_in_full() {
    let bucket = fresh_bucket();
    let peer = kv_support::client_of(JS_RESTARTABLE_WS_URL).await;
    let js = nats_web::jetstream::new(peer.clone());
    let store = js
        .create_key_value(nats_web::kv::KvConfig::new(bucket.as_str()))
        .await
        .unwrap();
    let big = "b".repeat(1_000_000);
    let hostile = "<img src=x onerror=alert(1)>\u{7}\r\n";
    store.put("big", big.clone()).await.unwrap();
    store.put("evil", hostile).await.unwrap();
    for i in 0..=1000 {
        store
            .put(&format!("k{i:04}"), format!("hi k{i:04}"))
            .await
            .unwrap();
    }
    let root = fresh_root();
    let app = nats_web_demo::app::mount_with_bucket(
        root.clone().into(),
        vec![JS_RESTARTABLE_WS_URL.to_owned()],
        &bucket,
    );
    let panel = wait_for_text_within(
        &root,
        "section.greetings-panel",
        "1000 keys: 3 puts of further keys not listed",
        web::PATIENCE * 2,
    )
    .await;
    assert!(panel.contains("1000 greetings"), "{panel}");
    let row = wait_for_text_in(&root, "tr[data-key='big']", "too large to list").await;
    assert!(row.contains("1000000 B"), "{row}");
    let row = wait_for_text_in(&root, "tr[data-key='evil']", "<img src=x").await;
    assert!(row.len() < 200, "{row}");
    assert!(
        root.query_selector("section.greetings-panel img")
            .unwrap()
            .is_none(),
        "the value is text, not markup"
    );
    assert!(
        labelled_button(&root, "Edit big").disabled(),
        "not kept: no Edit"
    );

    click_when_enabled(&button(&root, "Start service")).await;
    wait_for_text(&root, "service greet 1.0.0 started").await;
    let ask = |name: &'static str| {
        let peer = peer.clone();
        async move {
            let reply = peer.request(format!("greet.{name}"), "").await.unwrap();
            reply.payload.to_vec()
        }
    };
    assert_eq!(ask("k0000").await, b"hi k0000");
    assert_eq!(ask("evil").await, hostile.as_bytes());
    assert_eq!(
        ask("k1000").await,
        b"hi k1000",
        "not kept: read from the bucket"
    );
    assert_eq!(
        ask("big").await,
        big.as_bytes(),
        "too large to keep: read from the bucket"
    );
    assert_eq!(ask("nobody").await, b"hello, nobody");
    app.destroy();
    js.delete_key_value(&bucket).await.unwrap();
    peer.drain().await.unwrap();
}
