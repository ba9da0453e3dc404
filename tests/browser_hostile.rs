//! The client and the page in headless Chromium against `scripts/hostile_server.py`: one test
//! per thing a broken or malicious server can send. Each must end in a clear error or a
//! correct reconnect, with no trap (all tests of this file run one after the other in one page,
//! in reverse name order, so a trap fails every later test; the last one checks that
//! explicitly), no hang (every wait is bounded), bounded memory and paced reconnects.

#![cfg(target_arch = "wasm32")]

mod hostile;
mod web;

use std::time::Duration;

use futures::future::{select, Either};
use futures::StreamExt;
use hostile::{
    assert_memory_grew_at_most, assert_no_xss_ran, assert_not_disconnected, assert_paced,
    connect_error, connect_to, disconnected, next_event, next_message, options, path, reconnected,
    report, still_works, url, wasm_memory_bytes, within, REFUSED_GROWTH_BUDGET,
};
use nats_web::client::{connect, ClientEvent, ConnectErrorKind};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn garbage_instead_of_info_fails_the_connect_with_a_protocol_error() {
    let e = connect_error("garbage-info").await;
    let text = e.to_string();
    assert!(text.contains("protocol error"), "{text}");
    assert!(text.contains("garbage-info"), "names the URL: {text}");
}

#[wasm_bindgen_test]
async fn info_that_is_not_json_fails_the_connect_naming_the_info() {
    let text = connect_error("info-not-json").await.to_string();
    assert!(text.contains("invalid INFO"), "{text}");
}

#[wasm_bindgen_test]
async fn a_json_bomb_in_info_is_skipped_or_refused_without_a_trap() {
    let before = wasm_memory_bytes();
    match within("json-bomb", connect(options(&url("json-bomb", "client")))).await {
        Ok(client) => {
            let mut sub = client.subscribe("bomb").await.unwrap();
            still_works(&client, &mut sub, "bomb").await;
            client.close();
        }
        Err(e) => assert!(e.to_string().contains("INFO"), "{e}"),
    }
    assert_memory_grew_at_most(before, REFUSED_GROWTH_BUDGET, "json-bomb");
}

#[wasm_bindgen_test]
async fn an_info_line_that_never_ends_is_refused_without_buffering_it() {
    let before = wasm_memory_bytes();
    let text = connect_error("huge-info").await.to_string();
    assert!(text.contains("protocol error"), "{text}");
    assert_memory_grew_at_most(before, REFUSED_GROWTH_BUDGET, "huge-info");
}

#[wasm_bindgen_test]
async fn a_close_right_after_info_fails_the_connect_as_unreachable() {
    let e = connect_error("close-after-info").await;
    assert_eq!(e.kind(), ConnectErrorKind::Unreachable, "{e}");
}

#[wasm_bindgen_test]
async fn text_frames_end_in_a_connect_timeout_or_a_working_connection() {
    let options = options(&url("text-frames", "client")).connect_timeout(Duration::from_secs(2));
    match within("text-frames", connect(options)).await {
        Ok(client) => {
            let mut sub = client.subscribe("text").await.unwrap();
            still_works(&client, &mut sub, "text").await;
            client.close();
        }
        Err(e) => assert_eq!(e.kind(), ConnectErrorKind::TimedOut, "{e}"),
    }
}

#[wasm_bindgen_test]
async fn a_server_that_drips_one_byte_per_frame_is_understood() {
    let (client, _events) = connect_to("slow-drip").await;
    let mut sub = client.subscribe("drip").await.unwrap();
    let msg = next_message(&client, &mut sub, "the dripped MSG").await;
    assert_eq!(msg.payload, b"drip-drop");
    client.close();
}

#[wasm_bindgen_test]
async fn html_in_server_text_reaches_the_api_as_plain_text() {
    let (client, mut events) = connect_to("xss").await;
    let info = client.server_info().expect("INFO");
    assert_eq!(
        info.server_name,
        "<img src=x onerror=\"window.__hostileXss=1\">"
    );
    let error = next_event(&mut events, "the -ERR as a ServerError", |e| match e {
        ClientEvent::ServerError(e) => Some(e.to_string()),
        _ => None,
    })
    .await;
    assert!(
        error.contains("<img src=x onerror=window.__hostileXss=2>"),
        "{error}"
    );
    assert_no_xss_ran();
    client.close();
}

#[wasm_bindgen_test]
async fn a_ping_flood_is_answered_pong_for_ping_in_bounded_memory() {
    let before = wasm_memory_bytes();
    let (client, mut events) = connect_to("ping-flood").await;
    let run = path("ping-flood", "client");
    let deadline = web_time::Instant::now() + web::PATIENCE;
    let mut seen = report(&run).await;
    while seen.pongs_received < 100_000 {
        assert!(
            web_time::Instant::now() < deadline,
            "not every PING answered: {seen:?}"
        );
        web::sleep(Duration::from_millis(100)).await;
        seen = report(&run).await;
    }
    assert_eq!(seen.pongs_received, seen.pings_sent, "{seen:?}");
    assert_eq!(
        seen.connections, 1,
        "the flood cost the connection: {seen:?}"
    );
    within("flush", client.flush()).await.unwrap();
    assert_not_disconnected(&mut events, "ping-flood");
    assert_memory_grew_at_most(before, REFUSED_GROWTH_BUDGET, "ping-flood");
    client.close();
}

#[wasm_bindgen_test]
async fn garbage_after_the_handshake_reconnects_and_restores_the_subscription() {
    let (client, mut events) = connect_to("garbage").await;
    let mut sub = client.subscribe("garbage").await.unwrap();
    let reason = disconnected(&mut events).await;
    assert!(reason.contains("protocol error"), "{reason}");
    reconnected(&mut events).await;
    still_works(&client, &mut sub, "garbage").await;
    client.close();
}

#[wasm_bindgen_test]
async fn a_declared_size_over_4_gb_is_refused_as_over_the_limit_then_reconnects() {
    let before = wasm_memory_bytes();
    let (client, mut events) = connect_to("over-4gb").await;
    let mut sub = client.subscribe("huge").await.unwrap();
    let reason = disconnected(&mut events).await;
    assert!(
        reason.contains("99999999999") && reason.contains("limit"),
        "says the size exceeds the limit: {reason}"
    );
    assert!(
        !reason.contains("expected a non-negative decimal number"),
        "a size that is a decimal number is not malformed: {reason}"
    );
    reconnected(&mut events).await;
    still_works(&client, &mut sub, "huge").await;
    assert_memory_grew_at_most(before, REFUSED_GROWTH_BUDGET, "over-4gb");
    client.close();
}

#[wasm_bindgen_test]
async fn a_fatal_err_is_reported_with_its_text_then_reconnects() {
    let (client, mut events) = connect_to("fatal-err").await;
    let mut sub = client.subscribe("fatal").await.unwrap();
    let reason = disconnected(&mut events).await;
    assert!(reason.contains("hostile: fatal error, closing"), "{reason}");
    reconnected(&mut events).await;
    still_works(&client, &mut sub, "fatal").await;
    client.close();
}

#[wasm_bindgen_test]
async fn a_dropped_connection_reconnects_with_its_subscription() {
    let (client, mut events) = connect_to("drop-once").await;
    let mut sub = client.subscribe("dropped").await.unwrap();
    disconnected(&mut events).await;
    reconnected(&mut events).await;
    still_works(&client, &mut sub, "dropped").await;
    client.close();
}

#[wasm_bindgen_test]
async fn a_server_that_completes_the_handshake_then_drops_is_retried_at_most_once_per_wait() {
    assert_paced("handshake-then-drop", false).await;
}

#[wasm_bindgen_test]
async fn a_server_that_accepts_then_drops_is_retried_at_most_once_per_wait() {
    assert_paced("accept-then-drop", true).await;
}

#[wasm_bindgen_test]
async fn messages_with_subjects_shorter_than_the_subscription_are_delivered() {
    let (client, _events) = connect_to("short-subject").await;
    let mut sub = client.subscribe("greet.*").await.unwrap();
    assert_eq!(next_message(&client, &mut sub, "MSG g").await.subject, "g");
    assert_eq!(
        next_message(&client, &mut sub, "MSG greet").await.subject,
        "greet"
    );
    client.publish("greet.joe", "").await.unwrap();
    assert_eq!(
        next_message(&client, &mut sub, "greet.joe").await.subject,
        "greet.joe"
    );
    client.close();
}

#[wasm_bindgen_test]
async fn an_info_with_3599_connect_urls_is_taken_without_freezing() {
    let started = web_time::Instant::now();
    let (client, _events) = connect_to("many-urls").await;
    let connected_after = started.elapsed();
    let mut sub = client.subscribe("urls").await.unwrap(); // the server resends INFO 3 times
    still_works(&client, &mut sub, "urls").await;
    let total = started.elapsed();
    hostile::print_on_server(&format!(
        "many-urls: connect with a 3,599-URL INFO took {connected_after:?}; with 3 more such INFOs and a round trip {total:?}"
    ))
    .await;
    client.close();
}

#[wasm_bindgen_test]
async fn header_blocks_the_server_forwards_unchanged_are_delivered() {
    let (client, mut events) = connect_to("bad-headers").await;
    let mut sub = client.subscribe("hdr").await.unwrap();
    for expected in ["space", "non-utf8", "no-colon", "plain"] {
        let msg = next_message(&client, &mut sub, expected).await;
        assert_eq!(String::from_utf8_lossy(&msg.payload), expected);
        if expected == "plain" {
            continue;
        }
        // The block as received is kept; what could not be read is said, not hidden.
        let raw = msg.raw_headers.as_deref().unwrap_or_default();
        assert!(raw.starts_with(b"NATS/1.0"), "{expected}: raw headers kept");
        if expected != "non-utf8" {
            assert!(
                msg.header_error.is_some(),
                "{expected}: the problem is reported"
            );
        }
    }
    assert_not_disconnected(&mut events, "bad-headers");
    client.close();
}

#[wasm_bindgen_test]
async fn long_lines_a_real_server_sends_are_accepted() {
    let (client, mut events) = connect_to("long-lines").await;
    let mut sub = client.subscribe("long.>").await.unwrap();
    let first = next_message(&client, &mut sub, "the MSG with a 4,200-byte line").await;
    assert_eq!(first.payload, b"first");
    assert!(first.subject.len() > 4096, "{}", first.subject.len());
    let denied = next_event(&mut events, "the long permission violation", |e| match e {
        ClientEvent::ServerError(e) => Some(e.to_string()),
        ClientEvent::Disconnected { reason, .. } | ClientEvent::Closed(reason) => {
            panic!("the long -ERR cost the connection: {reason}")
        }
        _ => None,
    })
    .await;
    assert!(denied.contains("long.bbbb"), "names the subject: {denied}");
    assert_eq!(
        next_message(&client, &mut sub, "the MSG after")
            .await
            .payload,
        b"last"
    );
    client.close();
}

/// Named to run after every other scenario that checks memory (wasm-bindgen-test 0.3 runs a
/// file's tests in reverse name order): memory only grows, so a delivered 60 MiB message would
/// hide what later tests allocate.
#[wasm_bindgen_test]
async fn a_big_message_of_60_mib_is_delivered_whole_or_refused_then_reconnected() {
    const SIZE: usize = 60 * 1024 * 1024;
    let before = wasm_memory_bytes();
    let (client, mut events) = connect_to("big-msg").await;
    let mut sub = client.subscribe("big").await.unwrap();
    let delivered = {
        let outcome = within(
            "big-msg",
            select(Box::pin(sub.next()), Box::pin(disconnected(&mut events))),
        )
        .await;
        match outcome {
            Either::Left((Some(msg), _)) => Ok(msg.payload.len()),
            Either::Left((None, _)) => panic!(
                "the subscription ended; the connection: {:?}",
                client.close_reason().map(|r| r.to_string())
            ),
            Either::Right((reason, _)) => Err(reason),
        }
    };
    match delivered {
        Ok(len) => {
            assert_eq!(len, SIZE);
            hostile::print_on_server(&format!(
                "big-msg: 60 MiB delivered; wasm memory {before} -> {} bytes",
                wasm_memory_bytes()
            ))
            .await;
            assert_memory_grew_at_most(before, 3 * SIZE as u32, "big-msg (delivered)");
        }
        Err(reason) => {
            assert!(reason.contains("limit"), "says what limit: {reason}");
            hostile::print_on_server(&format!("big-msg: refused ({reason})")).await;
            reconnected(&mut events).await;
            still_works(&client, &mut sub, "big").await;
            assert_memory_grew_at_most(before, REFUSED_GROWTH_BUDGET, "big-msg (refused)");
        }
    }
    client.close();
}

#[wasm_bindgen_test]
async fn the_page_survives_messages_shorter_than_greet_on_its_responders() {
    let uncaught_before = hostile::uncaught_errors();
    let root = web::fresh_root();
    let app = nats_web_demo::app::mount(root.clone().into(), vec![url("short-subject", "page")]);
    let text = web::wait_for_text(&root, "connection drained").await;
    assert_eq!(
        hostile::uncaught_errors(),
        uncaught_before,
        "the example's responder trapped"
    );
    for output in ["hello, joe", "hello, sue", "hello, bob", "no responders"] {
        assert!(text.contains(output), "{output:?} missing:\n{text}");
    }
    web::wait_for_text(&root, "Playground connection: connected to").await;
    web::click_when_enabled(&web::button(&root, "Start service")).await;
    web::wait_for_text(&root, "service greet 1.0.0 started").await;
    web::button(&root, "Send request").click(); // the name field says "ann"
    web::wait_for_text(&root, "hello, ann").await;
    assert_eq!(
        hostile::uncaught_errors(),
        uncaught_before,
        "a responder trapped"
    );
    app.destroy();
}

#[wasm_bindgen_test]
async fn the_page_shows_html_from_the_server_as_text() {
    let root = web::fresh_root();
    let app = nats_web_demo::app::mount(root.clone().into(), vec![url("xss", "page")]);
    let text = web::wait_for_text(&root, "onerror=window.__hostileXss=2").await;
    web::wait_for_text(&root, "Playground connection: connected to <img src=x").await;
    assert!(text.contains("<img src=x"), "{text}");
    assert!(
        root.query_selector("img").unwrap().is_none(),
        "server text became an element: {}",
        root.inner_html()
    );
    assert_no_xss_ran();
    app.destroy();
}

/// Runs last (first in name order; wasm-bindgen-test 0.3 runs a file's tests in reverse name
/// order): every hostile scenario ran in this same wasm instance before it; a trap in any of
/// them (`RuntimeError: unreachable`) would leave it unable to do this.
#[wasm_bindgen_test]
async fn a_battery_of_hostile_servers_leaves_the_wasm_instance_working() {
    let uncaught = hostile::uncaught_errors();
    assert!(
        uncaught.is_empty(),
        "errors no code caught (traps in tasks) during earlier tests: {uncaught:#?}"
    );
    let (client, _events) = connect_to("faithful").await;
    let mut sub = client.subscribe("alive").await.unwrap();
    still_works(&client, &mut sub, "alive").await;
    let reply = client
        .request("nobody.home", "")
        .timeout(Duration::from_secs(2))
        .await;
    assert!(reply.is_err());
    // A drain waits for every Subscriber to be read to its end or dropped.
    drop(sub);
    within("drain", client.drain()).await.unwrap();
}
