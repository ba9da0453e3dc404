//! Authentication over the WebSocket listener, in real headless Chromium: each kind of
//! credential connects, and each wrong one is a clear, typed error.

#![cfg(target_arch = "wasm32")]

mod web;

use nats_web::client::{connect, ConnectError, ConnectErrorKind};
use nats_web::{Client, ConnectOptions};
use wasm_bindgen_test::*;
use web::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn try_connect(url: &str, options: ConnectOptions) -> Result<Client, ConnectError> {
    connect(options.servers([url]).max_reconnects(Some(0))).await
}

fn assert_refused(result: Result<Client, ConnectError>) {
    let err = result.err().expect("wrong credentials must not connect");
    assert_eq!(err.kind(), ConnectErrorKind::Refused, "{err}");
    assert!(err.to_string().contains("authorization violation"), "{err}");
}

#[wasm_bindgen_test]
async fn user_and_password() {
    let ok = try_connect(
        USERS_WS_URL,
        ConnectOptions::new().user_and_password(USER, PASSWORD),
    );
    ok.await.unwrap().drain().await.unwrap();
    assert_refused(
        try_connect(
            USERS_WS_URL,
            ConnectOptions::new().user_and_password(USER, "wrong"),
        )
        .await,
    );
}

#[wasm_bindgen_test]
async fn nkey() {
    let ok = try_connect(USERS_WS_URL, ConnectOptions::new().nkey(NKEY_SEED));
    ok.await.unwrap().drain().await.unwrap();
    assert_refused(try_connect(USERS_WS_URL, ConnectOptions::new().nkey(UNKNOWN_NKEY_SEED)).await);
    let malformed = try_connect(USERS_WS_URL, ConnectOptions::new().nkey("SUnot-a-seed")).await;
    let err = malformed.err().expect("a malformed seed must not connect");
    assert!(err.to_string().contains("invalid credentials"), "{err}");
}

#[wasm_bindgen_test]
async fn token() {
    let ok = try_connect(TOKEN_WS_URL, ConnectOptions::new().token(TOKEN));
    ok.await.unwrap().drain().await.unwrap();
    assert_refused(try_connect(TOKEN_WS_URL, ConnectOptions::new().token("wrong")).await);
    assert_refused(try_connect(TOKEN_WS_URL, ConnectOptions::new()).await);
}
