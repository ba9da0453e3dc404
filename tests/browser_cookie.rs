//! Logging in without a secret in the page, in real headless Chromium: the page's backend
//! (`scripts/cookie_login.py`) sets the NATS credential as an HttpOnly cookie, nats-server
//! reads it from the WebSocket upgrade (`websocket { jwt_cookie: ... }`; `token_cookie`,
//! `user_cookie` / `pass_cookie`), and the client connects with no credential in its options.

#![cfg(target_arch = "wasm32")]

mod web;

use std::time::Duration;

use futures::StreamExt;
use nats_web::client::{
    channel, connect, connect_with_events, ClientEvent, ConnectError, ConnectErrorKind,
};
use nats_web::conn::{CloseReason, ServerErrorKind};
use nats_web::{Client, ConnectOptions};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use wasm_bindgen_test::*;
use web::{next_matching, within_patience};

wasm_bindgen_test_configure!(run_in_browser);

/// An operator-mode nats-server (memory resolver) that takes the user JWT from the cookie
/// `nats_jwt` of the WebSocket upgrade.
const COOKIE_WS_URL: &str = match option_env!("NATS_COOKIE_WS_URL") {
    Some(url) => url,
    None => "ws://127.0.0.1:4284",
};

/// `scripts/nats_control.py`'s HTTP endpoint (`/kill`, `/start`, `/restart`) for
/// [`COOKIE_WS_URL`]'s server.
const COOKIE_CONTROL_URL: &str = match option_env!("NATS_COOKIE_CONTROL_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:4302",
};

/// A nats-server (2.15.1: 2.9.10 has no `token_cookie`) that takes its token from the cookie
/// `nats_token`.
const TOKEN_COOKIE_WS_URL: &str = match option_env!("NATS_TOKEN_COOKIE_WS_URL") {
    Some(url) => url,
    None => "ws://127.0.0.1:4285",
};

/// A nats-server (2.15.1) that takes user and password from the cookies `nats_user` and
/// `nats_pass`.
const USER_COOKIE_WS_URL: &str = match option_env!("NATS_USER_COOKIE_WS_URL") {
    Some(url) => url,
    None => "ws://127.0.0.1:4286",
};

/// `scripts/cookie_login.py`: `/login?user=bearer|expired|not-bearer`, `/login-token`,
/// `/login-user`, `/logout` set or clear the HttpOnly cookies.
const COOKIE_SETTER_URL: &str = match option_env!("NATS_COOKIE_SETTER_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:4301",
};

/// Asks the page's backend for `path`, letting it set cookies (`credentials: "include"`).
async fn backend(path: &str) {
    get(
        &format!("{COOKIE_SETTER_URL}{path}"),
        web_sys::RequestCredentials::Include,
    )
    .await;
}

/// GETs `url`; panics unless it answers 2xx.
async fn get(url: &str, credentials: web_sys::RequestCredentials) {
    let init = web_sys::RequestInit::new();
    init.set_credentials(credentials);
    let window = web_sys::window().unwrap();
    let response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .expect("the helper program answers");
    let response: web_sys::Response = response.dyn_into().unwrap();
    assert!(response.ok(), "{url}: status {}", response.status());
}

/// What the page's scripts can read of its cookies.
fn document_cookie() -> String {
    let document = web_sys::window().unwrap().document().unwrap();
    let document: web_sys::HtmlDocument = document.dyn_into().unwrap();
    document.cookie().unwrap()
}

/// Connects with no credential of its own, one attempt, bounded in time.
async fn connect_without_credentials(url: &str) -> Result<Client, ConnectError> {
    let options = ConnectOptions::new()
        .servers([url])
        .max_reconnects(Some(0))
        .connect_timeout(Duration::from_secs(5));
    within_patience(connect(options))
        .await
        .expect("connect gives up instead of hanging")
}

fn assert_refused(result: Result<Client, ConnectError>) {
    let err = result.err().expect("must not connect");
    assert_eq!(err.kind(), ConnectErrorKind::Refused, "{err}");
    assert!(err.to_string().contains("authorization violation"), "{err}");
}

/// One request-reply over `client`, answered by a subscriber on the same connection.
async fn request_reply(client: &Client) {
    let mut sub = client.subscribe("cookie.echo").await.unwrap();
    spawn_local(async move {
        if let Some(msg) = sub.next().await {
            msg.respond(b"hello from the cookie user").await.unwrap();
        }
    });
    client.flush().await.unwrap();
    let reply = client.request("cookie.echo", "hi").await.unwrap();
    assert_eq!(reply.payload, b"hello from the cookie user");
}

#[wasm_bindgen_test]
async fn an_http_only_jwt_cookie_logs_in_with_no_credential_in_the_page() {
    backend("/login?user=bearer").await;
    let cookies = document_cookie();
    assert!(
        !cookies.contains("nats_jwt"),
        "the page's scripts can read the cookie: {cookies:?}"
    );
    let client = connect_without_credentials(COOKIE_WS_URL)
        .await
        .expect("the cookie's JWT logs in");
    request_reply(&client).await;
    client.drain().await.unwrap();
}

#[wasm_bindgen_test]
async fn without_the_cookie_connecting_is_refused_with_a_typed_error() {
    backend("/login?user=bearer").await;
    backend("/logout").await;
    assert_refused(connect_without_credentials(COOKIE_WS_URL).await);
}

#[wasm_bindgen_test]
async fn an_expired_jwt_in_the_cookie_is_refused_with_a_typed_error() {
    backend("/login?user=expired").await;
    assert_refused(connect_without_credentials(COOKIE_WS_URL).await);
    backend("/logout").await;
}

#[wasm_bindgen_test]
async fn a_cookie_jwt_without_bearer_token_is_refused_as_it_needs_the_users_seed() {
    backend("/login?user=not-bearer").await;
    assert_refused(connect_without_credentials(COOKIE_WS_URL).await);
    backend("/logout").await;
}

#[wasm_bindgen_test]
async fn an_http_only_token_cookie_logs_in_on_servers_with_token_cookie() {
    backend("/logout").await;
    assert_refused(connect_without_credentials(TOKEN_COOKIE_WS_URL).await);
    backend("/login-token").await;
    assert!(!document_cookie().contains("nats_token"));
    let client = connect_without_credentials(TOKEN_COOKIE_WS_URL)
        .await
        .expect("the cookie's token logs in");
    request_reply(&client).await;
    client.drain().await.unwrap();
    backend("/logout").await;
}

#[wasm_bindgen_test]
async fn http_only_user_and_password_cookies_log_in_on_servers_with_user_cookie() {
    backend("/logout").await;
    assert_refused(connect_without_credentials(USER_COOKIE_WS_URL).await);
    backend("/login-user").await;
    let cookies = document_cookie();
    assert!(
        !cookies.contains("nats_user") && !cookies.contains("nats_pass"),
        "{cookies:?}"
    );
    let client = connect_without_credentials(USER_COOKIE_WS_URL)
        .await
        .expect("the cookies' user and password log in");
    request_reply(&client).await;
    client.drain().await.unwrap();
    backend("/logout").await;
}

#[wasm_bindgen_test]
async fn each_reconnect_logs_in_with_the_cookie_the_browser_holds_at_that_moment() {
    backend("/login?user=bearer").await;
    let (tx, mut events) = channel::unbounded();
    let options = ConnectOptions::new()
        .servers([COOKIE_WS_URL])
        .reconnect_wait(Duration::from_millis(100))
        .max_reconnects(None);
    let client = connect_with_events(options, Some(tx)).await.unwrap();

    backend("/logout").await;
    // nats_control.py answers `Access-Control-Allow-Origin: *`: no credentials.
    let restart = format!("{COOKIE_CONTROL_URL}/restart?down_ms=100");
    get(&restart, web_sys::RequestCredentials::Omit).await;
    next_matching(&mut events, |e| match e {
        ClientEvent::Disconnected {
            reason: CloseReason::Server(error),
            ..
        } => (error.kind == ServerErrorKind::AuthorizationViolation).then_some(()),
        _ => None,
    })
    .await;

    backend("/login?user=bearer").await;
    next_matching(&mut events, |e| {
        matches!(e, ClientEvent::Reconnected { .. }).then_some(())
    })
    .await;
    request_reply(&client).await;
    client.drain().await.unwrap();
}
