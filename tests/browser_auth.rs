//! Authentication over the WebSocket listener, in real headless Chromium: each kind of
//! credential connects, and each wrong one is a clear, typed error.

#![cfg(target_arch = "wasm32")]

mod web;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use futures::StreamExt;
use nats_web::client::{
    connect, connect_with_auth_callback, ConnectError, ConnectErrorKind, RequestErrorKind,
};
use nats_web::conn::{CloseReason, CredentialsError};
use nats_web::{Auth, Client, ClientEvent, ConnectOptions};
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

#[wasm_bindgen_test]
async fn an_auth_callback_that_gives_the_token_connects() {
    let calls = Rc::new(Cell::new(0));
    let counted = calls.clone();
    let options = ConnectOptions::new()
        .servers([TOKEN_WS_URL])
        .max_reconnects(Some(0));
    let client = connect_with_auth_callback(options, move |_nonce| {
        counted.set(counted.get() + 1);
        async { Ok(Auth::Token(TOKEN.to_owned())) }
    })
    .await
    .unwrap();
    let err = client.request("nobody.home", "").await.unwrap_err();
    assert_eq!(err.kind(), RequestErrorKind::NoResponders);
    assert_eq!(calls.get(), 1);
    client.drain().await.unwrap();
}

#[wasm_bindgen_test]
async fn an_auth_callback_error_or_a_wrong_token_is_a_typed_error() {
    let options = || {
        ConnectOptions::new()
            .servers([TOKEN_WS_URL])
            .max_reconnects(Some(0))
    };
    let err = connect_with_auth_callback(options(), |_| async { Err("backend down".to_owned()) })
        .await
        .err()
        .expect("no credentials, no connection");
    assert_eq!(err.kind(), ConnectErrorKind::AuthCallbackFailed, "{err}");
    assert!(err.to_string().contains("backend down"), "{err}");
    assert_refused(
        connect_with_auth_callback(options(), |_| async { Ok(Auth::Token("wrong".into())) }).await,
    );
}

#[wasm_bindgen_test]
async fn an_auth_callback_that_never_resolves_gives_a_typed_error_and_does_not_hang() {
    let options = ConnectOptions::new()
        .servers([TOKEN_WS_URL])
        .auth_callback(Duration::from_millis(300));
    let outcome = within_patience(connect_with_auth_callback(options, |_| {
        std::future::pending::<Result<Auth, String>>()
    }))
    .await
    .expect("connect gives up instead of hanging");
    let err = outcome.err().expect("no answer, no connection");
    assert_eq!(err.kind(), ConnectErrorKind::AuthCallbackFailed, "{err}");
    assert_eq!(
        err.reason(),
        Some(&CloseReason::InvalidCredentials(
            CredentialsError::AuthCallbackTimedOut { timeout_ms: 300 }
        ))
    );
}

#[wasm_bindgen_test]
async fn a_hanging_auth_callback_on_reconnect_fails_each_attempt_and_the_client_keeps_trying() {
    let answering = Rc::new(Cell::new(true));
    let calls = Rc::new(Cell::new(0u32));
    let (gate, counted) = (answering.clone(), calls.clone());
    let options = ConnectOptions::new()
        .servers([RESTARTABLE_WS_URL])
        .max_reconnects(None)
        .reconnect_wait(Duration::from_millis(100))
        .auth_callback(Duration::from_millis(200));
    let client = connect_with_auth_callback(options, move |_nonce| {
        counted.set(counted.get() + 1);
        let answer = gate.get();
        async move {
            if !answer {
                std::future::pending::<()>().await;
            }
            Ok(Auth::Token("any".into()))
        }
    })
    .await
    .unwrap();
    let mut events = client.events();
    answering.set(false);
    control("restart?down_ms=100").await;
    let mut timed_out = 0;
    while timed_out < 3 {
        let event = within_patience(events.next()).await.flatten();
        match event.expect("the client keeps reporting its attempts") {
            ClientEvent::Disconnected {
                reason:
                    CloseReason::InvalidCredentials(CredentialsError::AuthCallbackTimedOut { .. }),
                ..
            } => timed_out += 1,
            ClientEvent::Closed(reason) => panic!("gave up: {reason}"),
            _ => {}
        }
    }
    answering.set(true);
    let back = within_patience(async {
        while let Some(event) = events.next().await {
            if matches!(event, ClientEvent::Reconnected { .. }) {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(
        back,
        Some(true),
        "connected again once the callback answers"
    );
    assert!(calls.get() >= 5, "asked on every attempt: {}", calls.get());
    client.drain().await.unwrap();
}

#[wasm_bindgen_test]
async fn creds_text_without_its_blocks_is_refused_before_connecting() {
    let err = ConnectOptions::new()
        .credentials("not a creds file")
        .expect_err("no blocks, no credentials");
    assert_eq!(err, CredentialsError::MissingJwt);
}

/// The public key of [`NKEY_SEED`], as the server config lists it.
const NKEY_PUBLIC: &str = "UATXNCQEL5CAZS5RA5DITKZJUASXTZZU4QBAIK2MCQ7665A2QQNGF3QH";

/// The page's "backend": it holds the seed and signs whatever nonce it is sent (an NKey seed
/// is base32 of two prefix bytes, the 32-byte ed25519 seed and a checksum).
fn backend_signs(nonce: &[u8]) -> Vec<u8> {
    use ed25519_dalek::Signer;
    let raw = data_encoding::BASE32_NOPAD
        .decode(NKEY_SEED.as_bytes())
        .expect("the test seed is base32");
    let secret: [u8; 32] = raw[2..34].try_into().expect("32 bytes of seed");
    let key = ed25519_dalek::SigningKey::from_bytes(&secret);
    key.sign(nonce).to_bytes().to_vec()
}

#[wasm_bindgen_test]
async fn the_auth_callback_is_handed_the_servers_nonce_and_a_signature_made_elsewhere_connects() {
    let nonces = Rc::new(std::cell::RefCell::new(Vec::new()));
    let seen = nonces.clone();
    let options = ConnectOptions::new()
        .servers([USERS_WS_URL])
        .max_reconnects(Some(0));
    // No seed in the page: the callback only forwards the nonce and the signature.
    let client = connect_with_auth_callback(options, move |nonce: Vec<u8>| {
        seen.borrow_mut().push(nonce.clone());
        async move {
            Ok(Auth::Signed {
                jwt: None,
                nkey: Some(NKEY_PUBLIC.to_owned()),
                signature: backend_signs(&nonce),
            })
        }
    })
    .await
    .unwrap();
    let err = client.request("nobody.home", "").await.unwrap_err();
    assert_eq!(err.kind(), RequestErrorKind::NoResponders);
    assert_eq!(nonces.borrow().len(), 1);
    assert!(
        !nonces.borrow()[0].is_empty(),
        "an NKey server sends a nonce"
    );
    client.drain().await.unwrap();

    // A signature of some other nonce is refused by the server.
    let options = ConnectOptions::new()
        .servers([USERS_WS_URL])
        .max_reconnects(Some(0));
    assert_refused(
        connect_with_auth_callback(options, |_nonce| async {
            Ok(Auth::Signed {
                jwt: None,
                nkey: Some(NKEY_PUBLIC.to_owned()),
                signature: backend_signs(b"an old nonce"),
            })
        })
        .await,
    );
}

#[wasm_bindgen_test]
async fn auth_callback_options_given_to_plain_connect_are_refused_at_once_as_invalid_options() {
    let options = ConnectOptions::new()
        .servers([TOKEN_WS_URL])
        .auth_callback(Duration::from_secs(1));
    let err = connect(options)
        .await
        .err()
        .expect("no callback, no connect");
    assert_eq!(err.kind(), ConnectErrorKind::InvalidOptions, "{err}");
    assert!(
        err.to_string().contains("connect_with_auth_callback"),
        "{err}"
    );
}
