//! A service's lifecycle in real headless Chromium against a real nats-server: reachable from
//! other connections when `start` and `endpoint` return; drained by `stop`; stopped, and
//! saying why, when its connection closes or the server refuses a subscription; running while
//! the application holds a handle or endpoint, and gone (letting the connection close) when
//! it holds none; a dropped endpoint leaves discovery.

#![cfg(target_arch = "wasm32")]

mod service_support;
mod web;

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use futures::StreamExt;
use nats_web::client::{ErrorKind, RequestErrorKind};
use nats_web::nats_core::service::read_ping;
use nats_web::service::Discovery;
use nats_web::{connect, ConnectOptions};
use service_support::{client, hello, request, serve, start, unique_name};
use wasm_bindgen_test::*;
use web::{
    control, next_matching, within_patience, NO_SRV_PASSWORD, NO_SRV_USER, RESTARTABLE_WS_URL,
    USERS_WS_URL, WATCHER_PASSWORD, WATCHER_USER,
};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_stopped_service_is_gone_from_discovery_and_its_endpoint_ends() {
    let client = client().await;
    let name = unique_name(&client, "stop");
    let service = start(&client, &name).await;
    let mut endpoint = hello(&service, &name).await;
    let discovery = Discovery::new(&client);
    assert_eq!(discovery.ping(Some(&name)).await.unwrap().len(), 1);

    service.stop().await.unwrap();
    assert!(service.stopped());
    assert_eq!(
        within_patience(endpoint.next()).await.map(|r| r.is_none()),
        Some(true)
    );
    assert!(discovery.ping(Some(&name)).await.unwrap().is_empty());
    assert!(discovery.info(Some(&name)).await.unwrap().is_empty());
    let gone = client
        .request(format!("$SRV.PING.{name}.{}", service.id()), "")
        .timeout(Duration::from_secs(5))
        .await
        .unwrap_err();
    assert_eq!(gone.kind(), RequestErrorKind::NoResponders);
    let endpoint_gone = client.request(format!("{name}.joe"), "").await.unwrap_err();
    assert_eq!(endpoint_gone.kind(), RequestErrorKind::NoResponders);
    assert!(matches!(
        service.endpoint("late", "late").await,
        Err(nats_web::service::Error::Stopped)
    ));
}

#[wasm_bindgen_test]
async fn a_service_is_stopped_when_its_connection_closes_and_closed_says_why() {
    let client = client().await;
    let name = unique_name(&client, "closes");
    let service = start(&client, &name).await;
    let mut endpoint = hello(&service, &name).await;
    assert!(!service.stopped() && service.error().is_none());
    client.close();
    let outcome = within_patience(service.closed())
        .await
        .expect("closed() resolves");
    let error = outcome.unwrap_err();
    assert!(
        matches!(&error, nats_web::service::Error::Client(e) if e.kind() == ErrorKind::Closed),
        "{error}"
    );
    assert!(service.stopped());
    assert_eq!(service.error(), Some(error));
    assert_eq!(
        within_patience(endpoint.next()).await.map(|r| r.is_none()),
        Some(true)
    );
    assert!(matches!(
        service.endpoint("late", "late").await,
        Err(nats_web::service::Error::Stopped)
    ));
}

#[wasm_bindgen_test]
async fn a_refused_endpoint_subscription_fails_its_add_and_stops_the_service_with_the_error() {
    let watcher = connect(
        ConnectOptions::new()
            .servers([USERS_WS_URL])
            .user_and_password(WATCHER_USER, WATCHER_PASSWORD),
    )
    .await
    .unwrap();
    let name = unique_name(&watcher, "guarded");
    let service = start(&watcher, &name).await;
    let mut open = service
        .endpoint("open", format!("{name}.open"))
        .await
        .expect("an allowed subject");
    let refused = service.endpoint("secret", "secret.guarded").await;
    let Err(nats_web::service::Error::Client(denied)) = refused else {
        panic!("the server refuses secret.>: {:?}", refused.err());
    };
    assert_eq!(denied.kind(), ErrorKind::PermissionDenied, "{denied}");
    assert!(service.stopped());
    let error = nats_web::service::Error::Client(denied);
    assert_eq!(service.error(), Some(error.clone()));
    assert_eq!(within_patience(service.closed()).await, Some(Err(error)));
    // The rest of the service is drained: the allowed endpoint's stream ends too.
    assert_eq!(
        within_patience(open.next()).await.map(|r| r.is_none()),
        Some(true)
    );
    assert!(watcher.close_reason().is_none(), "the connection stays up");
}

#[wasm_bindgen_test]
async fn stop_answers_every_request_the_server_delivered_before_it() {
    let client = client().await;
    let name = unique_name(&client, "drain");
    let service = start(&client, &name).await;
    let endpoint = hello(&service, &name).await;
    let inbox = client.new_inbox();
    let mut replies = client.subscribe(&inbox).await.unwrap();
    for i in 0..5 {
        client
            .publish_with_reply(&format!("{name}.n{i}"), &inbox, "")
            .await
            .unwrap();
    }
    // In the same task: the requests reach the server before the stop, and come back after
    // it. A drain still delivers them; an unsubscribe would drop them.
    service.stop().await.unwrap();
    assert!(matches!(service.closed().await, Ok(())));
    serve(endpoint, "a");
    for i in 0..5 {
        let reply = within_patience(replies.next())
            .await
            .flatten()
            .unwrap_or_else(|| panic!("reply {i} of 5"));
        assert!(reply.payload.starts_with(b"hello, n"));
    }
}

/// Polls `future` once: whether it is still pending.
async fn still_pending<F: Future>(future: &mut Pin<Box<F>>) -> bool {
    futures::future::poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx).is_pending())).await
}

/// Polls `future` once, then drops it: whether it was still pending.
async fn pending_on_first_poll<F: Future>(future: F) -> bool {
    still_pending(&mut Box::pin(future)).await
}

#[wasm_bindgen_test]
async fn the_server_has_the_service_when_start_returns_and_the_endpoint_when_it_is_added() {
    control("start").await; // in case an earlier test left it down
    let options = || {
        ConnectOptions::new()
            .servers([RESTARTABLE_WS_URL])
            .ping_interval(Duration::ZERO)
    };
    let (a, b) = (
        connect(options()).await.unwrap(),
        connect(options()).await.unwrap(),
    );
    let name = unique_name(&a, "ready");
    // While the server answers nothing, `start` cannot return: it waits for the server to
    // confirm its subscriptions (without that flush it would return at once, before they
    // reached the server). The same for `endpoint`.
    let mut starting = Box::pin(start(&a, &name));
    control("pause").await;
    let waits = still_pending(&mut starting).await;
    control("status").await; // a round trip to another process: still paused
                             // (Not polled again once it has returned.)
    let still = waits && still_pending(&mut starting).await;
    control("resume").await;
    assert!(waits && still, "start returned before the server answered");
    let service = starting.await;
    let ping = b
        .request(format!("$SRV.PING.{name}"), "")
        .timeout(Duration::from_secs(5))
        .await
        .expect("the server has the discovery subscriptions");
    assert_eq!(read_ping(&ping.payload).unwrap().id, service.id());

    control("pause").await;
    let waits = pending_on_first_poll(service.endpoint("early", format!("{name}.early"))).await;
    control("resume").await;
    assert!(waits, "endpoint returned before the server answered");
    let endpoint = hello(&service, &name).await;
    serve(endpoint, "a");
    let reply = request(&b, &format!("{name}.joe")).await;
    assert_eq!(reply.payload, b"hello, joe from a");
    service.stop().await.unwrap();
}

#[wasm_bindgen_test]
async fn closed_resolves_even_when_the_stop_future_is_dropped_before_the_drain_ends() {
    let client = client().await;
    let name = unique_name(&client, "cancelled-stop");
    let service = start(&client, &name).await;
    let _endpoint = hello(&service, &name).await;
    // Dropped after its first poll: a drain needs the server, so it has not ended yet (a
    // component unmounted, a `select` with a timeout lost).
    assert!(pending_on_first_poll(service.stop()).await);
    assert!(service.stopped());
    assert_eq!(within_patience(service.closed()).await, Some(Ok(())));
    assert!(Discovery::new(&client)
        .ping(Some(&name))
        .await
        .unwrap()
        .is_empty());
}

#[wasm_bindgen_test]
async fn a_user_denied_the_discovery_subjects_cannot_start_a_service() {
    let denied = connect(
        ConnectOptions::new()
            .servers([USERS_WS_URL])
            .user_and_password(NO_SRV_USER, NO_SRV_PASSWORD),
    )
    .await
    .unwrap();
    let name = unique_name(&denied, "undiscoverable");
    let refused = denied
        .service_builder()
        .name(&name)
        .version("1.0.0")
        .start()
        .await;
    let Err(nats_web::service::Error::Client(error)) = refused else {
        panic!("the server refuses $SRV.>: {:?}", refused.err());
    };
    assert_eq!(error.kind(), ErrorKind::PermissionDenied, "{error}");
    assert!(denied.close_reason().is_none(), "the connection stays up");
}

#[wasm_bindgen_test]
async fn a_service_runs_while_a_handle_or_endpoint_lives_and_dropping_all_lets_the_connection_close(
) {
    let (a, b) = (client().await, client().await);
    let name = unique_name(&a, "dropped");
    let service = start(&a, &name).await;
    let endpoint = hello(&service, &name).await;
    drop(service);
    let discovery = Discovery::new(&b);
    assert_eq!(
        discovery.ping(Some(&name)).await.unwrap().len(),
        1,
        "its endpoint keeps it running"
    );
    let mut events = a.events();
    drop(endpoint);
    drop(a);
    closed(&mut events).await;
    assert!(discovery.ping(Some(&name)).await.unwrap().is_empty());
}

#[wasm_bindgen_test]
async fn the_service_handle_alone_keeps_it_running_after_its_endpoints_are_dropped() {
    let (a, b) = (client().await, client().await);
    let name = unique_name(&a, "handle");
    let service = start(&a, &name).await;
    let endpoint = hello(&service, &name).await;
    drop(endpoint);
    let discovery = Discovery::new(&b);
    let pings = discovery.ping(Some(&name)).await.unwrap();
    assert_eq!(pings.len(), 1, "its handle keeps it running");
    assert!(!service.stopped());
    let mut events = a.events();
    drop(service);
    drop(a);
    closed(&mut events).await;
    assert!(discovery.ping(Some(&name)).await.unwrap().is_empty());
}

#[wasm_bindgen_test]
async fn a_dropped_endpoint_is_no_longer_advertised() {
    let (a, b) = (client().await, client().await);
    let name = unique_name(&a, "leaves");
    let service = start(&a, &name).await;
    let _kept = service
        .endpoint("kept", format!("{name}.kept"))
        .await
        .unwrap();
    let gone = service
        .endpoint("gone", format!("{name}.gone"))
        .await
        .unwrap();
    drop(gone);
    let info = Discovery::new(&b).info(Some(&name)).await.unwrap();
    let names: Vec<&str> = info[0].endpoints.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["kept"]);
    assert_eq!(service.stats().endpoints.len(), 1);
    service.stop().await.unwrap();
}

/// Waits for the `Closed` event on `events`.
async fn closed(events: &mut nats_web::client::channel::Receiver<nats_web::ClientEvent>) {
    next_matching(events, |e| {
        matches!(e, nats_web::ClientEvent::Closed(_)).then_some(())
    })
    .await;
}
