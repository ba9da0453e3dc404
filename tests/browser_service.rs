//! NATS services (ADR-32) in real headless Chromium against a real nats-server: our service
//! answers discovery on every subject form with the protocol's JSON, counts its requests,
//! errors and time, resets them, replies with the service-error headers, leaves discovery when
//! stopped, and shares requests with another instance in its queue group; discovery by name
//! and by id. Its lifecycle is `browser_service_lifecycle.rs`.

#![cfg(target_arch = "wasm32")]

mod service_support;
mod web;

use std::collections::HashMap;
use std::time::Duration;

use futures::StreamExt;
use nats_web::client::ErrorKind;
use nats_web::nats_core::service::{read_info, read_ping, read_stats};
use nats_web::service::Discovery;
use service_support::{client, hello, request, serve, start, unique_name};
use wasm_bindgen_futures::spawn_local;
use wasm_bindgen_test::*;
use web::{sleep, within_patience};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn our_service_answers_ping_info_and_stats_bare_by_name_and_by_id_from_the_same_page() {
    let client = client().await;
    let name = unique_name(&client, "greet");
    let service = start(&client, &name).await;
    let id = service.id();
    assert_eq!(id.len(), 22, "a NUID");
    serve(service.endpoint("hello", "greet.*").await.unwrap(), "a");

    for subject in [
        format!("$SRV.PING.{name}"),
        format!("$SRV.PING.{name}.{id}"),
    ] {
        let reply = request(&client, &subject).await;
        let text = String::from_utf8(reply.payload.clone()).unwrap();
        assert!(
            text.contains(r#""type":"io.nats.micro.v1.ping_response""#),
            "{text}"
        );
        let ping = read_ping(&reply.payload).unwrap();
        assert_eq!(
            (ping.name.as_str(), ping.id.as_str()),
            (name.as_str(), id.as_str())
        );
        assert_eq!(ping.version, "1.2.3-rc.1+b5");
        assert_eq!(ping.metadata.get("zone"), Some("browser"));
    }
    for subject in [
        format!("$SRV.INFO.{name}"),
        format!("$SRV.INFO.{name}.{id}"),
    ] {
        let info = read_info(&request(&client, &subject).await.payload).unwrap();
        assert_eq!(info, service.info());
        assert_eq!(info.description, "greets");
        assert_eq!(info.endpoints.len(), 1);
        let endpoint = &info.endpoints[0];
        assert_eq!(
            (
                endpoint.name.as_str(),
                endpoint.subject.as_str(),
                endpoint.queue_group.as_str()
            ),
            ("hello", "greet.*", "q")
        );
    }
    for subject in [
        format!("$SRV.STATS.{name}"),
        format!("$SRV.STATS.{name}.{id}"),
    ] {
        let reply = request(&client, &subject).await;
        let text = String::from_utf8(reply.payload.clone()).unwrap();
        assert!(
            text.contains(r#""type":"io.nats.micro.v1.stats_response""#),
            "{text}"
        );
        let stats = read_stats(&reply.payload).unwrap();
        assert_eq!(stats.id, id);
        assert_eq!(
            stats.started.len(),
            "2026-12-01T13:43:19.123Z".len(),
            "{}",
            stats.started
        );
        assert!(stats.started.ends_with('Z'));
        assert_eq!(stats.endpoints[0].subject, "greet.*");
    }
    // The bare subjects reach every service on the server; ours is among them.
    let discovery = Discovery::new(&client);
    let pings = discovery.ping(None).await.unwrap();
    assert!(pings.iter().any(|p| p.id == id), "{pings:?}");
    let infos = discovery.info(None).await.unwrap();
    assert!(infos.iter().any(|i| i.id == id && i.endpoints.len() == 1));
    let stats = discovery.stats(None).await.unwrap();
    assert!(stats.iter().any(|s| s.id == id));
    service.stop().await.unwrap();
}

#[wasm_bindgen_test]
async fn stats_count_requests_errors_and_processing_time_and_reset_zeroes_them() {
    let client = client().await;
    let name = unique_name(&client, "count");
    let service = start(&client, &name).await;
    let subject_root = format!("{name}.hello");
    serve(hello(&service, &subject_root).await, "a");
    for token in ["joe", "sue", "bad"] {
        request(&client, &format!("{subject_root}.{token}")).await;
    }
    let discovery = Discovery::new(&client);
    let stats = discovery.stats(Some(&name)).await.unwrap();
    assert_eq!(stats.len(), 1);
    let e = &stats[0].endpoints[0];
    assert_eq!((e.num_requests, e.num_errors), (3, 1));
    assert_eq!(e.last_error, "400:bad name");
    assert_eq!(e.average_processing_time, e.processing_time / 3);
    assert_eq!(stats[0].endpoints, service.stats().endpoints);

    let started_before = service.stats().started;
    service.reset();
    let stats = discovery.stats(Some(&name)).await.unwrap();
    let e = &stats[0].endpoints[0];
    assert_eq!(
        (
            e.num_requests,
            e.num_errors,
            e.last_error.as_str(),
            e.processing_time
        ),
        (0, 0, "", 0)
    );
    assert_eq!((e.name.as_str(), e.queue_group.as_str()), ("hello", "q"));
    assert!(stats[0].started >= started_before);
    request(&client, &format!("{subject_root}.again")).await;
    assert_eq!(service.stats().endpoints[0].num_requests, 1);
    service.stop().await.unwrap();
}

#[wasm_bindgen_test]
async fn an_error_reply_carries_the_service_error_headers_to_a_plain_requester() {
    let client = client().await;
    let name = unique_name(&client, "errors");
    let service = start(&client, &name).await;
    serve(hello(&service, &name).await, "a");
    let reply = request(&client, &format!("{name}.bad")).await;
    let headers = reply.headers.as_ref().expect("an error reply has headers");
    assert_eq!(headers.get("Nats-Service-Error"), Some("bad name"));
    assert_eq!(headers.get("Nats-Service-Error-Code"), Some("400"));
    assert!(reply.payload.is_empty());
    assert_eq!(reply.status(), None, "a service error is not a status line");
    let ok = request(&client, &format!("{name}.joe")).await;
    assert!(ok.headers.is_none());
    assert_eq!(ok.payload, b"hello, joe from a");
    service.stop().await.unwrap();
}

#[wasm_bindgen_test]
async fn two_services_in_the_same_queue_group_share_requests() {
    let (a, b) = (client().await, client().await);
    let name = unique_name(&a, "shared");
    let (service_a, service_b) = (start(&a, &name).await, start(&b, &name).await);
    serve(hello(&service_a, &name).await, "a");
    serve(hello(&service_b, &name).await, "b");
    let pings = Discovery::new(&a).ping(Some(&name)).await.unwrap();
    assert_eq!(pings.len(), 2, "two instances of {name}");

    let mut from = HashMap::<String, u32>::new();
    for i in 0..40 {
        let reply = request(&a, &format!("{name}.n{i}")).await;
        let text = String::from_utf8(reply.payload).unwrap();
        *from
            .entry(text.rsplit(' ').next().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(from.values().sum::<u32>(), 40);
    assert!(
        from.get("a").is_some_and(|n| *n > 0) && from.get("b").is_some_and(|n| *n > 0),
        "{from:?}"
    );
    // Each request went to one of them: the counts add up.
    let stats = Discovery::new(&a).stats(Some(&name)).await.unwrap();
    let handled: u64 = stats.iter().map(|s| s.endpoints[0].num_requests).sum();
    assert_eq!(handled, 40);
    service_a.stop().await.unwrap();
    service_b.stop().await.unwrap();
}

#[wasm_bindgen_test]
async fn endpoints_take_the_queue_group_of_the_service_group_or_endpoint_or_none() {
    let client = client().await;
    let name = unique_name(&client, "queues");
    let service = client
        .service_builder()
        .name(&name)
        .version("1.0.0")
        .queue_group("svc-q")
        .start()
        .await
        .unwrap();
    let _plain = service
        .endpoint("plain", format!("{name}.plain"))
        .await
        .unwrap();
    let group = service.group(&name).queue_group("group-q");
    let _grouped = group.endpoint("grouped", "grouped").await.unwrap();
    let _own = group
        .group("sub")
        .endpoint_builder()
        .name("own")
        .queue_group("own-q")
        .metadata([("k", "v")])
        .add("own")
        .await
        .unwrap();
    let _none = group
        .endpoint_builder()
        .name("none")
        .no_queue_group()
        .add("none")
        .await
        .unwrap();
    let info = read_info(&request(&client, &format!("$SRV.INFO.{name}")).await.payload).unwrap();
    let seen: Vec<(&str, &str, &str)> = info
        .endpoints
        .iter()
        .map(|e| (e.name.as_str(), e.subject.as_str(), e.queue_group.as_str()))
        .collect();
    let (plain, grouped, own, none) = (
        format!("{name}.plain"),
        format!("{name}.grouped"),
        format!("{name}.sub.own"),
        format!("{name}.none"),
    );
    assert_eq!(
        seen,
        [
            ("plain", plain.as_str(), "svc-q"),
            ("grouped", grouped.as_str(), "group-q"),
            ("own", own.as_str(), "own-q"),
            ("none", none.as_str(), ""),
        ]
    );
    assert_eq!(info.endpoints[2].metadata.get("k"), Some("v"));
    service.stop().await.unwrap();
}

#[wasm_bindgen_test]
async fn instances_in_different_queue_groups_each_get_every_request() {
    let (a, b) = (client().await, client().await);
    let name = unique_name(&a, "fanout");
    let mut services = Vec::new();
    for (client, queue, who) in [(&a, "qa", "a"), (&b, "qb", "b")] {
        let service = start(client, &name).await;
        let endpoint = service
            .endpoint_builder()
            .name("hello")
            .queue_group(queue)
            .add(format!("{name}.*"))
            .await
            .unwrap();
        serve(endpoint, who);
        services.push(service);
    }
    b.flush().await.unwrap();
    let mut replies = a
        .request_many(format!("{name}.joe"), "")
        .max_messages(2)
        .max_wait(Duration::from_secs(5))
        .await
        .unwrap();
    let mut who = Vec::new();
    while let Some(reply) = replies.next().await {
        who.push(String::from_utf8(reply.unwrap().payload).unwrap());
    }
    who.sort();
    assert_eq!(who, ["hello, joe from a", "hello, joe from b"]);
    for service in services {
        service.stop().await.unwrap();
    }
}

#[wasm_bindgen_test]
async fn a_service_refuses_a_bad_name_version_endpoint_name_or_subject_before_sending() {
    use nats_web::service::{ConfigError, Error};
    let client = client().await;
    let bad_name = client
        .service_builder()
        .name("a.b")
        .version("1.0.0")
        .start()
        .await;
    assert!(matches!(
        bad_name,
        Err(Error::Config(ConfigError::InvalidName(_)))
    ));
    let bad_version = client
        .service_builder()
        .name("ok")
        .version("1.0")
        .start()
        .await;
    assert!(matches!(
        bad_version,
        Err(Error::Config(ConfigError::InvalidVersion(_)))
    ));
    let missing = client.service_builder().name("ok").start().await;
    assert!(matches!(missing, Err(Error::Missing("version"))));
    let service = start(&client, &unique_name(&client, "refuse")).await;
    assert!(matches!(
        service.endpoint("a b", "x").await,
        Err(Error::Config(ConfigError::InvalidEndpointName(_)))
    ));
    assert!(matches!(
        service.endpoint("x", "a.>.b").await,
        Err(Error::Config(ConfigError::InvalidSubject(_)))
    ));
    assert!(matches!(
        service.group("a.>").endpoint("x", "x").await,
        Err(Error::Config(ConfigError::InvalidSubject(_)))
    ));
    assert!(service.info().endpoints.is_empty());
    service.stop().await.unwrap();
}

#[wasm_bindgen_test]
async fn the_stats_handler_s_json_is_each_endpoint_s_data_and_not_json_is_null() {
    let client = client().await;
    let name = unique_name(&client, "data");
    let service = client
        .service_builder()
        .name(&name)
        .version("1.0.0")
        .stats_handler(|e| match e.name.as_str() {
            "good" => format!(r#"{{"seen":{}}}"#, e.num_requests),
            _ => "not json".to_owned(),
        })
        .start()
        .await
        .unwrap();
    serve(
        service
            .endpoint("good", format!("{name}.good.*"))
            .await
            .unwrap(),
        "a",
    );
    let _bad = service
        .endpoint("bad", format!("{name}.bad"))
        .await
        .unwrap();
    request(&client, &format!("{name}.good.joe")).await;
    let stats = read_stats(
        &request(&client, &format!("$SRV.STATS.{name}"))
            .await
            .payload,
    )
    .unwrap();
    assert_eq!(stats.endpoints[0].data.as_deref(), Some(r#"{"seen":1}"#));
    assert_eq!(
        stats.endpoints[1].data, None,
        "not one JSON value: sent as null"
    );
    service.stop().await.unwrap();
}

/// `scripts/micro_peer.py`'s subject: it reads the discovery answers of the service named in
/// the payload with nats-py's `nats.micro` types and answers `ok ...` or `error ...`.
const MICRO_CHECK_SUBJECT: &str = match option_env!("NATS_MICRO_CHECK_SUBJECT") {
    Some(subject) => subject,
    None => "micro.check",
};

#[wasm_bindgen_test]
async fn nats_py_reads_our_discovery_answers_with_its_own_nats_micro_types() {
    let client = client().await;
    let name = unique_name(&client, "checked");
    let service = start(&client, &name).await;
    serve(hello(&service, &name).await, "a");
    let _errors = service
        .endpoint_builder()
        .name("other")
        .metadata([("kind", "second")])
        .no_queue_group()
        .add(format!("{name}.other.>"))
        .await
        .unwrap();
    request(&client, &format!("{name}.joe")).await;
    request(&client, &format!("{name}.bad")).await;
    client.flush().await.unwrap();
    // The peer asks each verb bare, by name and by id, waiting half a second for each.
    let verdict = client
        .request(MICRO_CHECK_SUBJECT, name.clone())
        .timeout(Duration::from_secs(30))
        .await
        .expect("scripts/micro_peer.py answers");
    let verdict = String::from_utf8(verdict.payload).unwrap();
    assert!(verdict.starts_with("ok "), "nats-py: {verdict}");
    assert!(verdict.contains(&service.id()), "{verdict}");
    service.stop().await.unwrap();
}

#[wasm_bindgen_test]
async fn the_page_discovers_a_nats_py_service_and_reads_its_info_and_stats() {
    let client = client().await;
    let discovery = Discovery::new(&client);
    let infos = discovery.info(Some("py-echo")).await.unwrap();
    let info = infos
        .first()
        .expect("scripts/micro_peer.py's service answers");
    assert_eq!(info.version, "0.1.0");
    assert_eq!(info.metadata.get("language"), Some("python"));
    let endpoints: Vec<(&str, &str, &str)> = info
        .endpoints
        .iter()
        .map(|e| (e.name.as_str(), e.subject.as_str(), e.queue_group.as_str()))
        .collect();
    assert_eq!(
        endpoints,
        [("echo", "py.echo", "q"), ("fail", "py.fail", "q")]
    );
    assert!(discovery
        .ping(None)
        .await
        .unwrap()
        .iter()
        .any(|p| p.id == info.id));

    let echo = request(&client, "py.echo").await;
    assert!(echo.payload.is_empty() && echo.headers.is_none());
    let echoed = client.request("py.echo", "from the page").await.unwrap();
    assert_eq!(echoed.payload, b"from the page");
    let failed = request(&client, "py.fail").await;
    let headers = failed.headers.expect("a nats-py error reply has headers");
    assert_eq!(headers.get("Nats-Service-Error"), Some("always fails"));
    assert_eq!(headers.get("Nats-Service-Error-Code"), Some("500"));

    let stats = discovery.stats(Some("py-echo")).await.unwrap();
    let stats = stats.iter().find(|s| s.id == info.id).expect("its stats");
    assert!(stats.started.ends_with('Z'), "{}", stats.started);
    let (echo, fail) = (&stats.endpoints[0], &stats.endpoints[1]);
    assert!(echo.num_requests >= 2, "{echo:?}");
    // nats-py counts an error only when its handler raises, not for `respond_error`.
    assert!(fail.num_requests >= 1, "{fail:?}");
    assert!(
        fail.processing_time >= fail.average_processing_time,
        "{fail:?}"
    );
}

#[wasm_bindgen_test]
async fn a_reply_that_cannot_be_sent_counts_as_an_error_of_its_endpoint() {
    let client = client().await;
    let name = unique_name(&client, "toobig");
    let service = start(&client, &name).await;
    let mut endpoint = hello(&service, &name).await;
    let inbox = client.new_inbox();
    client
        .publish_with_reply(&format!("{name}.joe"), &inbox, "")
        .await
        .unwrap();
    let request = within_patience(endpoint.next()).await.flatten().unwrap();
    let max = client.server_info().unwrap().max_payload;
    let failed = request.respond(Ok(vec![b'x'; max + 1])).await.unwrap_err();
    assert_eq!(failed.kind(), ErrorKind::MaxPayloadExceeded);
    let e = &service.stats().endpoints[0];
    assert_eq!((e.num_requests, e.num_errors), (1, 1));
    assert_eq!(e.last_error, failed.to_string());
    service.stop().await.unwrap();
}

#[wasm_bindgen_test]
async fn processing_time_is_measured_from_the_request_to_its_answer() {
    let client = client().await;
    let name = unique_name(&client, "slow");
    let service = start(&client, &name).await;
    let mut endpoint = hello(&service, &name).await;
    spawn_local(async move {
        while let Some(request) = endpoint.next().await {
            sleep(Duration::from_millis(20)).await;
            let _ = request.respond(Ok(b"done".to_vec())).await;
        }
    });
    request(&client, &format!("{name}.joe")).await;
    request(&client, &format!("{name}.sue")).await;
    let stats = Discovery::new(&client).stats(Some(&name)).await.unwrap();
    let e = &stats[0].endpoints[0];
    assert_eq!(e.num_requests, 2);
    assert!(e.processing_time >= 40_000_000, "{e:?}");
    assert!(e.average_processing_time >= 20_000_000, "{e:?}");
    service.stop().await.unwrap();
}

#[wasm_bindgen_test]
async fn an_error_reply_may_carry_data_and_an_empty_description_still_says_something() {
    let client = client().await;
    let name = unique_name(&client, "errdata");
    let service = start(&client, &name).await;
    let mut endpoint = hello(&service, &name).await;
    spawn_local(async move {
        while let Some(request) = endpoint.next().await {
            let _ = if request.subject().ends_with(".data") {
                request
                    .respond_error_with_data(422, "unprocessable", b"{\"field\":\"x\"}".to_vec())
                    .await
            } else {
                request.respond_error(503, "").await
            };
        }
    });
    let reply = request(&client, &format!("{name}.data")).await;
    let headers = reply.headers.as_ref().unwrap();
    assert_eq!(headers.get("Nats-Service-Error"), Some("unprocessable"));
    assert_eq!(headers.get("Nats-Service-Error-Code"), Some("422"));
    assert_eq!(reply.payload, br#"{"field":"x"}"#);
    let reply = request(&client, &format!("{name}.blank")).await;
    let headers = reply.headers.as_ref().unwrap();
    assert_eq!(headers.get("Nats-Service-Error"), Some("error 503"));
    let e = &service.stats().endpoints[0];
    assert_eq!((e.num_errors, e.last_error.as_str()), (2, "503:error 503"));
    service.stop().await.unwrap();
}

#[wasm_bindgen_test]
async fn discovery_refuses_what_is_not_a_name_and_asks_one_instance_by_id() {
    use nats_web::service::{ConfigError, Error};
    let client = client().await;
    let name = unique_name(&client, "byid");
    let (a, b) = (start(&client, &name).await, start(&client, &name).await);
    let discovery = Discovery::new(&client);
    for bad in ["a.b", "", "*", ">"] {
        assert!(
            matches!(
                discovery.ping(Some(bad)).await,
                Err(Error::Config(ConfigError::InvalidName(_)))
            ),
            "{bad:?}"
        );
    }
    assert!(matches!(
        discovery.info_instance(&name, "x.y").await,
        Err(Error::Config(ConfigError::InvalidId(_)))
    ));
    let ping = discovery.ping_instance(&name, &b.id()).await.unwrap();
    assert_eq!(ping.map(|p| p.id), Some(b.id()));
    let info = discovery.info_instance(&name, &a.id()).await.unwrap();
    assert_eq!(info.map(|i| i.id), Some(a.id()));
    let stats = discovery.stats_instance(&name, &a.id()).await.unwrap();
    assert_eq!(stats.map(|s| s.id), Some(a.id()));
    assert_eq!(
        discovery.ping_instance(&name, "nobody").await.unwrap(),
        None
    );
    a.stop().await.unwrap();
    b.stop().await.unwrap();
}

#[wasm_bindgen_test]
async fn discovery_keeps_the_replies_it_gathered_before_its_connection_closed() {
    let (a, b) = (client().await, client().await);
    let name = unique_name(&a, "kept");
    let service = start(&a, &name).await;
    let discovery = Discovery::new(&b)
        .max_wait(Duration::from_secs(20))
        .stall(Duration::from_secs(20));
    let before = b.statistics().in_messages;
    let gathering = discovery.ping(Some(&name));
    let closer = async {
        // Once the one reply is in, the connection closes while discovery still waits.
        let _ = within_patience(async {
            while b.statistics().in_messages == before {
                sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        b.close();
    };
    let (pings, ()) = futures::join!(gathering, closer);
    let pings = pings.expect("the replies gathered before the close");
    assert_eq!(pings.len(), 1);
    assert_eq!(pings[0].id, service.id());
    service.stop().await.unwrap();
}
