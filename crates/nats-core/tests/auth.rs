//! Credentials and permissions against a real nats-server.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use nats_core::conn::{CloseReason, ConnectOptions, Event, PermissionOperation, ServerErrorKind};
use support::driver::{Driver, PATIENCE};
use support::server::{
    token_config, users_config, NatsServer, ALICE_PASS, ALICE_USER, LIMITED_PASS, LIMITED_USER,
    TOKEN,
};

#[test]
fn user_and_password_is_accepted() {
    let server = NatsServer::start_with(users_config());
    let mut nc = Driver::connect(
        server.tcp_addr(),
        ConnectOptions::new().user_and_password(ALICE_USER, ALICE_PASS),
    )
    .unwrap();
    nc.flush();
}

#[test]
fn a_token_is_accepted() {
    let server = NatsServer::start_with(token_config());
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new().token(TOKEN)).unwrap();
    nc.flush();
}

#[test]
fn a_wrong_password_is_a_clear_authorization_error() {
    let server = NatsServer::start_with(users_config());
    let Err(reason) = Driver::connect(
        server.tcp_addr(),
        ConnectOptions::new().user_and_password(ALICE_USER, "wrong"),
    ) else {
        panic!("a wrong password must not connect");
    };
    match &reason {
        CloseReason::Server(e) => assert_eq!(e.kind, ServerErrorKind::AuthorizationViolation),
        other => panic!("{other:?}"),
    }
    assert!(
        reason.to_string().contains("authorization violation"),
        "{reason}"
    );
}

#[test]
fn a_wrong_token_is_a_clear_authorization_error() {
    let server = NatsServer::start_with(token_config());
    let reason = Driver::connect(server.tcp_addr(), ConnectOptions::new().token("nope"))
        .err()
        .expect("a wrong token must not connect");
    assert!(
        matches!(&reason, CloseReason::Server(e) if e.kind == ServerErrorKind::AuthorizationViolation),
        "{reason:?}"
    );
}

#[test]
fn a_permission_violation_names_the_subject_and_the_connection_stays_usable() {
    let server = NatsServer::start_with(users_config());
    let mut nc = Driver::connect(
        server.tcp_addr(),
        ConnectOptions::new().user_and_password(LIMITED_USER, LIMITED_PASS),
    )
    .unwrap();
    nc.conn.publish("secret.plans", None, None, b"x").unwrap();
    let error = nc.run_until(PATIENCE, |_, e| match e {
        Event::ServerError(e) => Some(e),
        _ => None,
    });
    assert_eq!(
        error.kind,
        ServerErrorKind::PermissionViolation {
            operation: PermissionOperation::Publish,
            subject: "secret.plans".into(),
            queue: None
        }
    );
    assert!(error.to_string().contains("\"secret.plans\""), "{error}");

    // Still connected: an allowed subject works.
    let sid = nc.conn.subscribe("public.news", None).unwrap();
    nc.conn.publish("public.news", None, None, b"ok").unwrap();
    let msg = nc.run_until(PATIENCE, |_, e| match e {
        Event::Message { sid: s, message } if s == sid => Some(message),
        _ => None,
    });
    assert_eq!(msg.payload, b"ok");
    assert!(!nc.conn.is_closed());
}
