//! What the service browser tests share: a client of the test server, unique service names,
//! a started service, a responder loop, a request that must be answered.
#![allow(dead_code)]

use std::collections::HashMap;
use std::time::Duration;

use futures::StreamExt;
use nats_web::service::{Endpoint, Service, ServiceError};
use nats_web::{connect, Client, ConnectOptions};
use wasm_bindgen_futures::spawn_local;

use crate::web::WS_URL;

pub async fn client() -> Client {
    connect(ConnectOptions::new().servers([WS_URL]))
        .await
        .expect("connect to the test server")
}

/// A service name no other test (or run) uses: discovery by name sees only this test's.
pub fn unique_name(client: &Client, stem: &str) -> String {
    let inbox = client.new_inbox();
    let nuid = inbox.rsplit('.').next().unwrap_or_default();
    format!("{stem}-{nuid}")
}

pub async fn start(client: &Client, name: &str) -> Service {
    client
        .service_builder()
        .name(name)
        .version("1.2.3-rc.1+b5")
        .description("greets")
        .metadata(HashMap::from([("zone".to_string(), "browser".to_string())]))
        .start()
        .await
        .expect("the service starts")
}

/// Adds the endpoint `hello` on `<root>.*`: for [`serve`], the last token is who to greet.
pub async fn hello(service: &Service, root: &str) -> Endpoint {
    service
        .endpoint("hello", format!("{root}.*"))
        .await
        .expect("the endpoint is added")
}

/// Answers every request on `endpoint`: `hello, <last token>` from `who`, or error 400 for
/// the token `bad`.
pub fn serve(mut endpoint: Endpoint, who: &'static str) {
    spawn_local(async move {
        while let Some(request) = endpoint.next().await {
            let token = request
                .subject()
                .rsplit('.')
                .next()
                .unwrap_or_default()
                .to_owned();
            let reply = if token == "bad" {
                Err(ServiceError::new(400, "bad name"))
            } else {
                Ok(format!("hello, {token} from {who}").into_bytes())
            };
            let _ = request.respond(reply).await;
        }
    });
}

pub async fn request(client: &Client, subject: &str) -> nats_web::Message {
    client
        .request(subject, "")
        .timeout(Duration::from_secs(5))
        .await
        .expect("a reply")
}
