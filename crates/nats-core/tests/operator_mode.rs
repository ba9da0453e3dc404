//! Decentralized auth against a real nats-server in operator mode (memory resolver; the
//! operator, account and user JWTs are made by the test, `support/jwt.rs`): a user JWT with
//! its seed, `.creds` text and a nonce signed by a "backend" that holds the seed connect; an
//! expired JWT, a wrong seed and a revoked user each give a typed error; and after each
//! refusal the connection plans a longer wait before its next attempt.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use nats_core::conn::{
    Auth, CloseReason, ConnectOptions, CredentialsError, Event, ServerError, ServerErrorKind,
};
use nats_core::Instant;
use support::driver::{Driver, PATIENCE};
use support::jwt::{creds, unix_now, Operator};
use support::server::NatsServer;

/// The reconnect wait of these tests; refusals double it.
const WAIT: Duration = Duration::from_millis(200);

/// Options that reconnect to `server` forever, with no jitter.
fn reconnecting(server: &NatsServer) -> ConnectOptions {
    ConnectOptions::new()
        .servers([format!("nats://{}", server.tcp_addr())])
        .max_reconnects(None)
        .reconnect_wait(WAIT)
        .reconnect_jitter(Duration::ZERO)
}

/// Drives `nc` until `attempts` reconnect attempts have been made; returns, for each loss
/// (the first included), the wait the connection planned before its next attempt and why
/// the connection was lost. A reconnect fails the test, unless `restart_on_reconnect`: then
/// what was seen is forgotten and the watch starts again (a connection that was up begins
/// its backoff anew).
fn watch(
    nc: &mut Driver,
    attempts: usize,
    restart_on_reconnect: bool,
) -> (Vec<Duration>, Vec<CloseReason>) {
    let (mut started, mut planned, mut reasons) = (0, Vec::new(), Vec::new());
    let give_up = Instant::now() + PATIENCE * 2;
    while started < attempts {
        assert!(
            Instant::now() < give_up,
            "only {started} attempts: {reasons:?}"
        );
        for event in nc.turn(Duration::from_millis(50)) {
            match event {
                Event::Reconnecting { .. } => started += 1,
                Event::Disconnected { reason, .. } => {
                    planned.push(nc.planned_wait().expect("a reconnect is scheduled"));
                    reasons.push(reason);
                }
                Event::Reconnected { .. } if restart_on_reconnect => {
                    (started, planned, reasons) = (0, Vec::new(), Vec::new());
                }
                Event::Reconnected { .. } => panic!("reconnected with refused credentials"),
                Event::Closed(reason) => panic!("closed: {reason}"),
                _ => {}
            }
        }
    }
    (planned, reasons)
}

/// [`watch`], failing on a reconnect.
fn watch_attempts(nc: &mut Driver, attempts: usize) -> (Vec<Duration>, Vec<CloseReason>) {
    watch(nc, attempts, false)
}

/// The waits planned after the first, second, ... refusal in a row are 2, 4, ... times
/// [`WAIT`] (no jitter): what the connection scheduled, not how long anything took.
fn assert_backs_off(planned: &[Duration]) {
    assert!(planned.len() >= 2, "{planned:?}");
    let doubling: Vec<Duration> = (1..=planned.len()).map(|i| WAIT * (1 << i)).collect();
    assert_eq!(planned, doubling);
}

fn is_jwt_expired(reason: &CloseReason) -> bool {
    matches!(
        reason,
        CloseReason::InvalidCredentials(CredentialsError::JwtExpired { .. })
    )
}

fn is_server(reason: &CloseReason, kind: ServerErrorKind) -> bool {
    matches!(reason, CloseReason::Server(ServerError { kind: k, .. }) if *k == kind)
}

#[test]
fn a_user_jwt_and_its_seed_connect_and_do_request_reply() {
    let operator = Operator::new();
    let server = NatsServer::start_with(&operator.config());
    let (user, jwt) = operator.user(None);
    let options = ConnectOptions::new().jwt(jwt, user.seed().unwrap());
    let mut nc = Driver::connect(server.tcp_addr(), options).unwrap();
    let sid = nc.conn.subscribe("greet.*", None).unwrap();
    nc.respond_on(sid, |msg| {
        format!("hello, {}", &msg.subject[6..]).into_bytes()
    });
    let reply = nc.request("greet.joe", b"", PATIENCE).unwrap();
    assert_eq!(reply.payload, b"hello, joe");
}

#[test]
fn creds_text_connects_even_with_crlf_line_ends() {
    let operator = Operator::new();
    let server = NatsServer::start_with(&operator.config());
    let (user, jwt) = operator.user(None);
    let text = creds(&jwt, &user).replace('\n', "\r\n");
    let options = ConnectOptions::new().credentials(&text).unwrap();
    let mut nc = Driver::connect(server.tcp_addr(), options).unwrap();
    nc.flush();
}

#[test]
fn a_user_of_another_account_is_refused_by_the_server_typed() {
    let operator = Operator::new();
    let server = NatsServer::start_with(&operator.config());
    let (user, jwt) = Operator::new().user(None); // signed by an account the server lacks
    let refused = Driver::connect(
        server.tcp_addr(),
        ConnectOptions::new().jwt(jwt, user.seed().unwrap()),
    )
    .err()
    .expect("a user of an unknown account must not connect");
    assert!(
        is_server(&refused, ServerErrorKind::AuthorizationViolation),
        "{refused:?}"
    );
}

#[test]
fn an_expired_user_jwt_is_refused_by_the_server_and_reported_with_its_expiry() {
    let operator = Operator::new();
    let server = NatsServer::start_with(&operator.config());
    let expired_at = unix_now() - 60;
    let (user, jwt) = operator.user(Some(expired_at));
    let refused = Driver::connect(
        server.tcp_addr(),
        ConnectOptions::new().jwt(jwt, user.seed().unwrap()),
    )
    .err()
    .expect("the server must refuse an expired JWT");
    assert!(
        matches!(
            refused,
            CloseReason::InvalidCredentials(CredentialsError::JwtExpired { expired_at: at, .. })
                if at == expired_at
        ),
        "{refused:?}"
    );
}

#[test]
fn a_jwt_the_local_clock_calls_expired_connects_when_the_servers_clock_accepts_it() {
    let operator = Operator::new();
    let server = NatsServer::start_with(&operator.config());
    let (user, jwt) = operator.user(Some(unix_now() + 600));
    let mut nc = Driver::start(reconnecting(&server).jwt(jwt, user.seed().unwrap()));
    // The page's clock runs an hour fast.
    let fast = Duration::from_secs(unix_now() + 3_600);
    nc.conn.set_wall_clock(Instant::now(), fast);
    nc.run_until(PATIENCE, |_, event| match event {
        Event::Connected(_) => Some(()),
        Event::Disconnected { reason, .. } => panic!("refused: {reason}"),
        _ => None,
    });
    nc.flush();
}

#[test]
fn a_user_jwt_that_expires_while_connected_is_reported_typed_and_the_reconnects_back_off() {
    let operator = Operator::new();
    let server = NatsServer::start_with(&operator.config());
    let (user, jwt) = operator.user(Some(unix_now() + 3));
    let options = reconnecting(&server).jwt(jwt, user.seed().unwrap());
    let mut nc = Driver::connect(server.tcp_addr(), options).unwrap();
    // In the JWT's own second nats-server still accepts it, and expires the connection at
    // once: a reconnect then may succeed for a moment. From the next second on it refuses.
    let (planned, reasons) = watch(&mut nc, 3, true);
    // "User Authentication Expired" in the JWT's second: expired by our clock too, unless
    // it has not quite reached that second.
    assert!(
        is_jwt_expired(&reasons[0])
            || is_server(&reasons[0], ServerErrorKind::AuthenticationExpired),
        "{reasons:?}"
    );
    assert!(
        reasons[1..].iter().all(is_jwt_expired),
        "the server's refusals of the expired JWT, explained: {reasons:?}"
    );
    assert_backs_off(&planned);
}

#[test]
fn a_seed_of_another_user_is_refused_locally_before_anything_is_sent() {
    let operator = Operator::new();
    let server = NatsServer::start_with(&operator.config());
    let (user, jwt) = operator.user(None);
    let (stranger, _) = operator.user(None);
    let refused = Driver::connect(
        server.tcp_addr(),
        ConnectOptions::new().jwt(jwt, stranger.seed().unwrap()),
    )
    .err()
    .expect("a wrong seed must not connect");
    assert_eq!(
        refused,
        CloseReason::InvalidCredentials(CredentialsError::SeedDoesNotMatchJwt {
            seed_key: stranger.public_key(),
            jwt_subject: user.public_key(),
        })
    );
}

#[test]
fn a_wrong_seed_from_the_auth_callback_on_reconnect_fails_typed_and_the_attempts_back_off() {
    let operator = Operator::new();
    let server = NatsServer::start_with(&operator.config());
    let (user, jwt) = operator.user(None);
    let (stranger, _) = operator.user(None);
    let calls = Arc::new(AtomicU32::new(0));
    let counted = calls.clone();
    let good = user.seed().unwrap();
    let wrong = stranger.seed().unwrap();
    let callback = Box::new(move |_nonce: Option<&str>| {
        let seed = if counted.fetch_add(1, Ordering::Relaxed) == 0 {
            good.clone()
        } else {
            wrong.clone()
        };
        Some(Ok(Auth::Jwt {
            jwt: jwt.clone(),
            seed,
        }))
    });
    let options = reconnecting(&server).auth_callback(PATIENCE);
    let mut nc =
        Driver::connect_with_auth_callback(server.tcp_addr(), options, Some(callback)).unwrap();
    nc.flush();
    assert!(nc.kill_transport());
    let (planned, reasons) = watch_attempts(&mut nc, 4);
    assert!(
        reasons[1..].iter().all(|r| matches!(
            r,
            CloseReason::InvalidCredentials(CredentialsError::SeedDoesNotMatchJwt { .. })
        )),
        "{reasons:?}"
    );
    // The first loss is not an auth failure: the waits from the second on.
    assert_backs_off(&planned[1..]);
    assert!(calls.load(Ordering::Relaxed) >= 4, "asked on every attempt");
}

#[test]
fn an_auth_callback_that_never_answers_fails_each_attempt_typed_and_the_attempts_back_off() {
    let operator = Operator::new();
    let server = NatsServer::start_with(&operator.config());
    let (user, jwt) = operator.user(None);
    let answered = Arc::new(AtomicU32::new(0));
    let counted = answered.clone();
    let seed = user.seed().unwrap();
    let callback = Box::new(move |_nonce: Option<&str>| {
        // Only the first connect gets an answer.
        (counted.fetch_add(1, Ordering::Relaxed) == 0).then(|| {
            Ok(Auth::Jwt {
                jwt: jwt.clone(),
                seed: seed.clone(),
            })
        })
    });
    let options = reconnecting(&server).auth_callback(Duration::from_millis(100));
    let mut nc =
        Driver::connect_with_auth_callback(server.tcp_addr(), options, Some(callback)).unwrap();
    assert!(nc.kill_transport());
    let (planned, reasons) = watch_attempts(&mut nc, 4);
    assert!(
        reasons[1..].iter().all(|r| *r
            == CloseReason::InvalidCredentials(CredentialsError::AuthCallbackTimedOut {
                timeout_ms: 100
            })),
        "{reasons:?}"
    );
    assert_backs_off(&planned[1..]);
}

#[test]
fn a_user_revoked_while_connected_is_told_typed_and_its_reconnects_back_off() {
    let mut operator = Operator::new();
    let mut server = NatsServer::start_with(&operator.config());
    let (user, jwt) = operator.user(None);
    let options = reconnecting(&server).jwt(jwt, user.seed().unwrap());
    let mut nc = Driver::connect(server.tcp_addr(), options).unwrap();
    nc.flush();

    operator.revoke(&user);
    server.reload_with(&operator.config()); // the account JWT now revokes the user
    let (planned, reasons) = watch_attempts(&mut nc, 4);
    assert!(
        is_server(&reasons[0], ServerErrorKind::AuthenticationRevoked),
        "{reasons:?}"
    );
    // nats-server refuses a revoked user's CONNECT as an authorization violation.
    assert!(
        reasons[1..]
            .iter()
            .all(|r| is_server(r, ServerErrorKind::AuthorizationViolation)),
        "{reasons:?}"
    );
    assert_backs_off(&planned);

    // A user the account did not revoke still connects.
    let (fresh, fresh_jwt) = operator.user(None);
    let options = ConnectOptions::new().jwt(fresh_jwt, fresh.seed().unwrap());
    Driver::connect(server.tcp_addr(), options).unwrap().flush();
}

#[test]
fn a_revoked_user_is_refused_typed_on_connect() {
    let mut operator = Operator::new();
    let (user, jwt) = operator.user(None);
    operator.revoke(&user);
    let server = NatsServer::start_with(&operator.config());
    let refused = Driver::connect(
        server.tcp_addr(),
        ConnectOptions::new().jwt(jwt, user.seed().unwrap()),
    )
    .err()
    .expect("a revoked user must not connect");
    assert!(
        is_server(&refused, ServerErrorKind::AuthorizationViolation),
        "{refused:?}"
    );
}

#[test]
fn a_backend_that_holds_the_seed_signs_the_nonce_it_is_handed_and_the_connection_succeeds() {
    let operator = Operator::new();
    let server = NatsServer::start_with(&operator.config());
    let (user, jwt) = operator.user(None);
    let nonces = Arc::new(AtomicU32::new(0));
    let counted = nonces.clone();
    // The page holds only the JWT; the "backend" (this closure's `user`) signs for it.
    let backend = move |nonce: Option<&str>| {
        let nonce = nonce.expect("operator mode sends a nonce");
        counted.fetch_add(1, Ordering::Relaxed);
        Some(Ok(Auth::Signed {
            jwt: Some(jwt.clone()),
            nkey: None,
            signature: user.sign(nonce.as_bytes()).expect("signed"),
        }))
    };
    let options = reconnecting(&server).auth_callback(PATIENCE);
    let mut nc =
        Driver::connect_with_auth_callback(server.tcp_addr(), options, Some(Box::new(backend)))
            .unwrap();
    let sid = nc.conn.subscribe("echo", None).unwrap();
    nc.respond_on(sid, |msg| msg.payload.to_vec());
    assert_eq!(nc.request("echo", b"hi", PATIENCE).unwrap().payload, b"hi");
    // A reconnect brings a new nonce, signed again.
    assert!(nc.kill_transport());
    nc.run_until(PATIENCE, |_, e| {
        matches!(e, Event::Reconnected { .. }).then_some(())
    });
    assert_eq!(nonces.load(Ordering::Relaxed), 2);
}

#[test]
fn a_signature_of_another_nonce_is_refused_by_the_server() {
    let operator = Operator::new();
    let server = NatsServer::start_with(&operator.config());
    let (user, jwt) = operator.user(None);
    let replayed = user.sign(b"an old nonce").unwrap();
    let callback = Box::new(move |_nonce: Option<&str>| {
        Some(Ok(Auth::Signed {
            jwt: Some(jwt.clone()),
            nkey: None,
            signature: replayed.clone(),
        }))
    });
    let options = ConnectOptions::new().auth_callback(PATIENCE);
    let refused = Driver::connect_with_auth_callback(server.tcp_addr(), options, Some(callback))
        .err()
        .expect("a signature of another nonce must not connect");
    assert!(
        is_server(&refused, ServerErrorKind::AuthorizationViolation),
        "{refused:?}"
    );
}
