//! A service's discovery prefix (ADR-32: `$SRV` is overridable, as `$JS` is, so that tools
//! reach services across accounts) in real headless Chromium against a real nats-server: a
//! service started with another prefix answers PING, INFO and STATS under it in every form
//! and not under `$SRV` (nor under the prefix in another case); discovery with that prefix
//! finds it; a prefix that is not a subject is refused before anything is sent.

#![cfg(target_arch = "wasm32")]

mod service_support;
mod web;

use std::collections::HashMap;
use std::time::Duration;

use futures::StreamExt;
use nats_web::client::RequestErrorKind;
use nats_web::nats_core::service::{read_info, read_ping, read_stats};
use nats_web::service::{ConfigError, Discovery, Error, Service, API_PREFIX};
use nats_web::Client;
use service_support::{client, hello, request, serve, unique_name};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const PREFIX: &str = "$SRVX";

async fn start_with_prefix(client: &Client, name: &str, prefix: &str) -> Service {
    client
        .service_builder()
        .name(name)
        .version("1.0.0")
        .metadata(HashMap::from([("zone", "browser")]))
        .api_prefix(prefix)
        .start()
        .await
        .expect("the service starts")
}

/// The ids of everyone who answered `subject` with the JSON of `verb` (a bare subject may
/// reach services of other tests that use the same prefix).
async fn ids_answering(client: &Client, verb: &str, subject: &str) -> Vec<String> {
    let mut replies = client
        .request_many(subject, Vec::new())
        .max_wait(Duration::from_secs(5))
        .stall(Duration::from_millis(300))
        .await
        .expect("the request is sent");
    let mut ids = Vec::new();
    while let Some(reply) = replies.next().await {
        let payload = reply.expect("a reply").payload;
        ids.push(match verb {
            "PING" => read_ping(&payload).expect("ping JSON").id,
            "INFO" => read_info(&payload).expect("info JSON").id,
            _ => read_stats(&payload).expect("stats JSON").id,
        });
    }
    ids
}

async fn has_no_responders(client: &Client, subject: &str) -> bool {
    let reply = client
        .request(subject, "")
        .timeout(Duration::from_secs(5))
        .await;
    matches!(reply, Err(e) if e.kind() == RequestErrorKind::NoResponders)
}

#[wasm_bindgen_test]
async fn a_service_with_another_api_prefix_answers_under_it_in_every_form_and_not_under_srv() {
    let client = client().await;
    let name = unique_name(&client, "prefixed");
    let service = start_with_prefix(&client, &name, PREFIX).await;
    let id = service.id();
    serve(hello(&service, &name).await, "x");
    for verb in ["PING", "INFO", "STATS"] {
        for subject in [
            format!("{PREFIX}.{verb}"),
            format!("{PREFIX}.{verb}.{name}"),
            format!("{PREFIX}.{verb}.{name}.{id}"),
        ] {
            let ids = ids_answering(&client, verb, &subject).await;
            assert!(ids.contains(&id), "{subject}: {ids:?}");
        }
        for subject in [
            format!("{API_PREFIX}.{verb}.{name}"),
            format!("{API_PREFIX}.{verb}.{name}.{id}"),
            // The prefix is used as it was given: subjects are case-sensitive.
            format!("$srvx.{verb}.{name}"),
        ] {
            assert!(has_no_responders(&client, &subject).await, "{subject}");
        }
    }
    // Bare `$SRV.PING` reaches every default-prefix service on the server, not this one.
    let pings = Discovery::new(&client).ping(None).await.unwrap();
    assert!(pings.iter().all(|p| p.id != id), "{pings:?}");
    // Its endpoints are ordinary subjects, untouched by the prefix.
    let reply = request(&client, &format!("{name}.joe")).await;
    assert_eq!(reply.payload, b"hello, joe from x");
    service.stop().await.unwrap();
}

#[wasm_bindgen_test]
async fn discovery_with_an_api_prefix_finds_the_services_under_it() {
    let client = client().await;
    let name = unique_name(&client, "found");
    let service = start_with_prefix(&client, &name, PREFIX).await;
    let id = service.id();
    let discovery = Discovery::new(&client).api_prefix(PREFIX);

    let pings = discovery.ping(None).await.unwrap();
    assert!(pings.iter().any(|p| p.id == id), "{pings:?}");
    let infos = discovery.info(Some(&name)).await.unwrap();
    assert_eq!(infos, [service.info()]);
    let stats = discovery.stats_instance(&name, &id).await.unwrap();
    assert_eq!(stats.map(|s| s.id), Some(id.clone()));
    let ping = discovery.ping_instance(&name, &id).await.unwrap().unwrap();
    assert_eq!(ping.metadata.get("zone"), Some("browser"));
    // Default discovery does not see it.
    assert!(Discovery::new(&client)
        .ping(Some(&name))
        .await
        .unwrap()
        .is_empty());
    service.stop().await.unwrap();
}

#[wasm_bindgen_test]
async fn an_invalid_api_prefix_is_refused_before_anything_is_sent() {
    let client = client().await;
    let name = unique_name(&client, "badprefix");
    for bad in [
        "", "$SRV.", ".$SRV", "a..b", "$SRVY.*", "$SRVY.>", "*", "$S RV", "a\tb",
    ] {
        let started = client
            .service_builder()
            .name(&name)
            .version("1.0.0")
            .api_prefix(bad)
            .start()
            .await;
        assert!(
            matches!(&started, Err(Error::Config(ConfigError::InvalidApiPrefix(p))) if p == bad),
            "{bad:?}: {:?}",
            started.as_ref().err()
        );
        let published = client.statistics().out_messages;
        let discovery = Discovery::new(&client).api_prefix(bad);
        assert!(
            matches!(
                discovery.ping(None).await,
                Err(Error::Config(ConfigError::InvalidApiPrefix(_)))
            ),
            "{bad:?}"
        );
        assert!(
            matches!(
                discovery.stats_instance(&name, "x").await,
                Err(Error::Config(ConfigError::InvalidApiPrefix(_)))
            ),
            "{bad:?}"
        );
        assert_eq!(client.statistics().out_messages, published, "{bad:?}");
    }
    // Had `$SRVY.*` been taken, the service would be subscribed to `$SRVY.*.PING.<name>`.
    assert!(has_no_responders(&client, &format!("$SRVY.a.PING.{name}")).await);
    // The connection is unharmed.
    client.flush().await.unwrap();
}
