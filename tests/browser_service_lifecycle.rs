//! A service's lifecycle in real headless Chromium against a real nats-server: reachable from
//! other connections when `start` and `endpoint` return; drained by `stop`; stopped, and
//! saying why, when its connection closes or the server refuses a subscription; running while
//! the application holds a handle or endpoint, and gone (letting the connection close) when
//! it holds none; a dropped endpoint leaves discovery.

#![cfg(target_arch = "wasm32")]

mod service_support;
mod web;

use std::time::Duration;

use futures::StreamExt;
use nats_web::client::{ErrorKind, RequestErrorKind};
use nats_web::nats_core::service::read_ping;
use nats_web::service::Discovery;
use nats_web::{connect, Client, ConnectOptions};
use service_support::{client, request, serve, start, unique_name};
use wasm_bindgen_test::*;
use web::{next_matching, within_patience, USERS_WS_URL, WATCHER_PASSWORD, WATCHER_USER};

wasm_bindgen_test_configure!(run_in_browser);

/// Queues 2 MB on `client`'s socket, so that what it sends next waits behind them.
async fn backlog(client: &Client) {
    for _ in 0..8 {
        client
            .publish("nobody.listens.here", vec![0u8; 256 * 1024])
            .await
            .unwrap();
    }
}

#[wasm_bindgen_test]
async fn a_stopped_service_is_gone_from_discovery_and_its_endpoint_ends() {
    let client = client().await;
    let name = unique_name(&client, "stop");
    let service = start(&client, &name).await;
    let mut endpoint = service
        .endpoint("hello", format!("{name}.*"))
        .await
        .unwrap();
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
    let mut endpoint = service
        .endpoint("hello", format!("{name}.*"))
        .await
        .unwrap();
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
    let endpoint = service
        .endpoint("hello", format!("{name}.*"))
        .await
        .unwrap();
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

#[wasm_bindgen_test]
async fn the_server_has_the_service_when_start_returns_and_the_endpoint_when_it_is_added() {
    let (a, b) = (client().await, client().await);
    let name = unique_name(&a, "ready");
    // Without a flush in `start`, the subscriptions would wait behind the backlog on a's
    // socket, and b's requests would find nobody.
    backlog(&a).await;
    let service = start(&a, &name).await;
    let ping = b
        .request(format!("$SRV.PING.{name}"), "")
        .timeout(Duration::from_secs(5))
        .await
        .expect("the server has the discovery subscriptions");
    assert_eq!(read_ping(&ping.payload).unwrap().id, service.id());
    backlog(&a).await;
    let endpoint = service
        .endpoint("hello", format!("{name}.*"))
        .await
        .unwrap();
    serve(endpoint, "a");
    let reply = request(&b, &format!("{name}.joe")).await;
    assert_eq!(reply.payload, b"hello, joe from a");
    service.stop().await.unwrap();
}

#[wasm_bindgen_test]
async fn a_service_runs_while_a_handle_or_endpoint_lives_and_dropping_all_lets_the_connection_close(
) {
    let (a, b) = (client().await, client().await);
    let name = unique_name(&a, "dropped");
    let service = start(&a, &name).await;
    let endpoint = service
        .endpoint("hello", format!("{name}.*"))
        .await
        .unwrap();
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
    next_matching(&mut events, |e| {
        matches!(e, nats_web::ClientEvent::Closed(_)).then_some(())
    })
    .await;
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
