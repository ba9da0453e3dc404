//! Subscribe permissions against a real nats-server: a refused subscription ends with the
//! server's error, is not sent again on reconnect, and a refused request inbox fails requests
//! at once instead of after their timeout.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use nats_core::conn::{
    CommandError, ConnectOptions, Event, PermissionOperation, RequestFailure, ServerErrorKind,
};
use nats_core::Instant;
use support::driver::{Driver, PATIENCE};
use support::server::NatsServer;

const USER: &str = "watcher";
const PASS: &str = "secret-w";

/// `watcher` may not subscribe to `secret.>` (in any queue group) nor to the default
/// request inbox.
const CONFIG: &str = r#"
authorization {
  users: [
    { user: "watcher", password: "secret-w",
      permissions: { subscribe: { deny: ["secret.>", "_INBOX.>"] } } }
  ]
}
"#;

fn connect(server: &NatsServer) -> Driver {
    Driver::connect(
        server.tcp_addr(),
        ConnectOptions::new()
            .user_and_password(USER, PASS)
            .reconnect_wait(Duration::from_millis(50)),
    )
    .unwrap()
}

#[test]
fn a_denied_subscription_ends_with_the_error_and_is_not_sent_again_on_reconnect() {
    let mut server = NatsServer::start_with(CONFIG);
    let mut nc = connect(&server);
    let open = nc.conn.subscribe("public.news", None).unwrap();
    let queued = nc.conn.subscribe("secret.plans", Some("team")).unwrap();
    let plain = nc.conn.subscribe("secret.plans", None).unwrap();
    let mut denied = Vec::new();
    while denied.len() < 2 {
        denied.push(nc.run_until(PATIENCE, |_, e| match e {
            Event::SubscriptionDenied { sid, error } => Some((sid, error)),
            _ => None,
        }));
    }
    denied.sort_by_key(|(sid, _)| *sid);
    assert_eq!(denied[0].0, queued);
    assert_eq!(
        denied[0].1.kind,
        ServerErrorKind::PermissionViolation {
            operation: PermissionOperation::Subscribe,
            subject: "secret.plans".into(),
            queue: Some("team".into())
        }
    );
    assert_eq!(denied[1].0, plain);
    assert!(denied[1].1.to_string().contains("\"secret.plans\""));

    server.restart();
    nc.run_until(PATIENCE, |_, e| {
        matches!(e, Event::Reconnected { .. }).then_some(())
    });
    let flush = nc.conn.flush().unwrap();
    let mut errors = Vec::new();
    nc.run_until(PATIENCE, |_, e| match e {
        Event::Flushed(id) if id == flush => Some(()),
        Event::ServerError(e) => {
            errors.push(e);
            None
        }
        _ => None,
    });
    assert_eq!(errors, [], "the denied SUBs were not sent again");
    nc.conn
        .publish("public.news", None, None, b"still here")
        .unwrap();
    let msg = nc.run_until(PATIENCE, |_, e| match e {
        Event::Message { sid, message } if sid == open => Some(message),
        _ => None,
    });
    assert_eq!(msg.payload, b"still here");
}

#[test]
fn a_denied_request_inbox_fails_the_request_at_once_and_later_ones_without_waiting() {
    let server = NatsServer::start_with(CONFIG);
    let mut nc = connect(&server);
    // Far longer than the driver's patience: only failing at once lets this pass.
    let timeout = PATIENCE * 6;
    assert_eq!(
        nc.request("svc", b"", timeout).unwrap_err(),
        RequestFailure::PermissionDenied
    );
    match nc.conn.request(Instant::now(), "svc", None, b"", timeout) {
        Err(CommandError::PermissionDenied(e)) => {
            assert!(e.to_string().contains("_INBOX."), "{e}")
        }
        other => panic!("{other:?}"),
    }
}
