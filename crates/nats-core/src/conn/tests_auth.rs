//! Credentials with scripted server input: the auth callback's round trip through the owner,
//! user JWTs in CONNECT, credentials refused before they are sent, and the backoff after
//! every kind of refusal.

use super::test_fixture::{disconnected_by, with_servers, Fixture, INFO};
use super::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const INFO_NONCE: &str = "INFO {\"server_id\":\"S1\",\"headers\":true,\"max_payload\":1024,\
                          \"auth_required\":true,\"nonce\":\"n0nce\"}\r\n";

fn with_callback(timeout_ms: u64) -> ConnectOptions {
    with_servers(&["nats://a:1"])
        .reconnect_jitter(Duration::ZERO)
        .auth_callback(Duration::from_millis(timeout_ms))
}

/// A fixture connected through the auth callback (answered with a token).
fn connected_with_callback(timeout_ms: u64) -> Fixture {
    let mut f = Fixture::new(with_callback(timeout_ms));
    f.transports();
    f.input(INFO_NONCE);
    f.conn
        .provide_credentials(f.now, Ok(Auth::Token("t0k".into())));
    f.input("PONG\r\n");
    f.sent();
    assert!(f.events().iter().any(|e| matches!(e, Event::Connected(_))));
    f
}

#[test]
fn with_an_auth_callback_connect_waits_for_the_owners_credentials_then_carries_them() {
    let mut f = Fixture::new(with_callback(1_000));
    f.transports();
    f.conn.subscribe("early", None).unwrap();
    f.input(INFO_NONCE);
    assert_eq!(
        f.events(),
        [Event::CredentialsNeeded {
            nonce: Some("n0nce".into())
        }]
    );
    assert_eq!(f.sent(), "", "no CONNECT before the owner answers");
    f.conn.provide_credentials(
        f.now,
        Ok(Auth::UserPassword {
            user: "ann".into(),
            password: "pw".into(),
        }),
    );
    let sent = f.sent();
    assert!(
        sent.starts_with("CONNECT {") && sent.contains(r#""user":"ann","pass":"pw""#),
        "{sent}"
    );
    assert!(sent.contains("SUB early 1\r\nPING\r\n"), "{sent}");
    f.input("PONG\r\n");
    assert!(matches!(f.events()[..], [Event::Connected(_)]));
}

#[test]
fn the_auth_callback_is_asked_again_on_every_reconnect() {
    let mut f = connected_with_callback(1_000);
    f.lose_transport();
    f.advance_to_deadline();
    f.transports();
    f.events();
    f.input(INFO_NONCE);
    assert!(f.events().contains(&Event::CredentialsNeeded {
        nonce: Some("n0nce".into())
    }));
    f.conn
        .provide_credentials(f.now, Ok(Auth::Token("fresh".into())));
    assert!(f.sent().contains(r#""auth_token":"fresh""#));
}

#[test]
fn an_auth_callback_that_never_answers_fails_each_attempt_typed_and_the_attempts_back_off() {
    let mut f = connected_with_callback(500);
    f.lose_transport();
    f.advance_to_deadline(); // the first attempt after a loss does not wait
    f.events();
    let mut waits = Vec::new();
    for _ in 0..3 {
        f.input(INFO);
        let asked = f.events();
        assert!(
            matches!(asked.last(), Some(Event::CredentialsNeeded { .. })),
            "{asked:?}"
        );
        assert_eq!(f.advance_to_deadline(), Duration::from_millis(500));
        assert_eq!(
            f.sent(),
            "",
            "nothing is sent for an attempt without credentials"
        );
        assert_eq!(
            disconnected_by(&f.events()),
            [CloseReason::InvalidCredentials(
                CredentialsError::AuthCallbackTimedOut { timeout_ms: 500 }
            )]
        );
        assert_eq!(f.conn.phase(), &Phase::Reconnecting, "it keeps trying");
        waits.push(f.advance_to_deadline().as_secs());
    }
    assert_eq!(waits, [4, 8, 16], "reconnect_wait 2 s, doubled per refusal");
    // An answer to an attempt that already failed changes nothing.
    f.conn
        .provide_credentials(f.now, Ok(Auth::Token("late".into())));
    assert_eq!(f.sent(), "");
    // Once the owner answers, the connection is back.
    f.input(INFO);
    f.conn
        .provide_credentials(f.now, Ok(Auth::Token("t".into())));
    f.input("PONG\r\n");
    assert!(f
        .events()
        .iter()
        .any(|e| matches!(e, Event::Reconnected { .. })));
}

#[test]
fn an_auth_callback_error_fails_the_attempt_with_its_message() {
    let mut f = connected_with_callback(1_000);
    f.lose_transport();
    f.advance_to_deadline();
    f.events();
    f.input(INFO);
    f.conn
        .provide_credentials(f.now, Err("the backend said 503".into()));
    assert_eq!(
        disconnected_by(&f.events()),
        [CloseReason::InvalidCredentials(
            CredentialsError::AuthCallbackFailed("the backend said 503".into())
        )]
    );
    assert_eq!(f.advance_to_deadline(), Duration::from_secs(4));
}

#[test]
fn a_first_connect_whose_callback_never_answers_closes_with_the_typed_error() {
    let mut f = Fixture::new(with_callback(300));
    f.transports();
    f.input(INFO);
    f.advance_to_deadline();
    assert!(f
        .events()
        .contains(&Event::Closed(CloseReason::InvalidCredentials(
            CredentialsError::AuthCallbackTimedOut { timeout_ms: 300 }
        ))));
}

#[test]
fn an_auth_callback_wait_ends_at_the_connect_deadline_as_a_callback_timeout_and_backs_off() {
    let options = with_callback(5_000).connection_timeout(Duration::from_secs(2));
    let mut f = Fixture::new(options);
    f.transports();
    f.advance(Duration::from_millis(500));
    f.input(INFO_NONCE);
    f.events();
    assert_eq!(
        f.advance_to_deadline(),
        Duration::from_millis(1_500),
        "the rest of the connect deadline, not the callback's 5 s"
    );
    assert_eq!(
        f.events().last(),
        Some(&Event::Closed(CloseReason::InvalidCredentials(
            CredentialsError::AuthCallbackTimedOut { timeout_ms: 1_500 }
        ))),
        "the callback is named, not a connect timeout"
    );

    // On a reconnect the same, and the next attempt backs off as after a refusal.
    let options = with_callback(5_000).connection_timeout(Duration::from_secs(2));
    let mut f = Fixture::new(options);
    f.transports();
    f.input(INFO_NONCE);
    f.conn
        .provide_credentials(f.now, Ok(Auth::Token("t".into())));
    f.input("PONG\r\n");
    f.lose_transport();
    f.advance_to_deadline();
    f.transports();
    f.input(INFO);
    f.events();
    assert_eq!(f.advance_to_deadline(), Duration::from_secs(2));
    assert_eq!(
        disconnected_by(&f.events()),
        [CloseReason::InvalidCredentials(
            CredentialsError::AuthCallbackTimedOut { timeout_ms: 2_000 }
        )]
    );
    assert_eq!(
        f.advance_to_deadline(),
        Duration::from_secs(4),
        "reconnect_wait 2 s, doubled"
    );
}

#[test]
fn the_default_auth_callback_wait_ends_before_the_servers_default_auth_timeout() {
    let server_auth_timeout = Duration::from_secs(2); // nats-server AUTH_TIMEOUT, no TLS
    let default = ConnectOptions::new().auth_callback_timeout;
    assert_eq!(default, DEFAULT_AUTH_CALLBACK_TIMEOUT);
    assert!(default < server_auth_timeout, "{default:?}");
    assert!(default < ConnectOptions::new().connection_timeout);
}

#[test]
fn jwt_refusals_by_the_server_double_the_reconnect_wait() {
    for refusal in [
        "Authorization Violation",
        "User Authentication Expired",
        "User Authentication Revoked",
        "Authentication Timeout",
    ] {
        let mut f =
            Fixture::connected_to(with_servers(&["nats://a:1"]).reconnect_jitter(Duration::ZERO));
        f.input(&format!("-ERR '{refusal}'\r\n"));
        let mut waits = vec![f.advance_to_deadline().as_secs()];
        for _ in 0..2 {
            f.input(INFO);
            f.input(&format!("-ERR '{refusal}'\r\n"));
            waits.push(f.advance_to_deadline().as_secs());
        }
        assert_eq!(waits, [4, 8, 16], "{refusal}");
    }
}

#[test]
fn an_unusable_seed_is_refused_before_a_transport_is_opened() {
    let mut f = Fixture::new(with_servers(&["nats://a:1"]).nkey("SUnot-a-seed"));
    assert_eq!(f.transports(), [Transport::Close]);
    assert!(matches!(
        &f.events()[..],
        [Event::Closed(CloseReason::InvalidCredentials(
            CredentialsError::InvalidSeed(_)
        ))]
    ));
}

// User JWTs need key pairs, which the nkeys crate makes only natively.
#[cfg(all(feature = "nkey", not(target_arch = "wasm32")))]
pub(super) mod jwt {
    use super::*;
    use data_encoding::BASE64URL_NOPAD;

    /// A user JWT for `user` expiring at `exp` (unsigned: the client does not verify it).
    pub(in crate::conn) fn user_jwt(user: &nkeys::KeyPair, exp: u64) -> String {
        let header = BASE64URL_NOPAD.encode(br#"{"typ":"JWT","alg":"ed25519-nkey"}"#);
        let claims = format!(
            r#"{{"jti":"X","iat":1,"sub":"{}","exp":{exp},"nats":{{"type":"user","version":2}}}}"#,
            user.public_key()
        );
        format!(
            "{header}.{}.c2ln",
            BASE64URL_NOPAD.encode(claims.as_bytes())
        )
    }

    #[test]
    fn connect_with_a_jwt_carries_the_jwt_and_the_signed_nonce_and_no_nkey() {
        let user = nkeys::KeyPair::new_user();
        let jwt = user_jwt(&user, 0);
        let mut f = Fixture::new(with_servers(&["nats://a:1"]).jwt(&jwt, user.seed().unwrap()));
        f.transports();
        f.input(INFO_NONCE);
        let sent = f.sent();
        let json = sent
            .strip_prefix("CONNECT ")
            .and_then(|s| s.split("\r\n").next())
            .unwrap();
        let connect: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(connect["jwt"], jwt.as_str());
        assert!(connect.get("nkey").is_none(), "{json}");
        let sig = BASE64URL_NOPAD
            .decode(connect["sig"].as_str().unwrap().as_bytes())
            .unwrap();
        assert!(user.verify(b"n0nce", &sig).is_ok());
    }

    #[test]
    fn a_seed_that_is_not_the_jwt_user_is_refused_before_a_transport_is_opened() {
        let user = nkeys::KeyPair::new_user();
        let other = nkeys::KeyPair::new_user();
        let options = with_servers(&["nats://a:1"]).jwt(user_jwt(&user, 0), other.seed().unwrap());
        let mut f = Fixture::new(options);
        assert_eq!(f.transports(), [Transport::Close]);
        assert_eq!(
            f.events(),
            [Event::Closed(CloseReason::InvalidCredentials(
                CredentialsError::SeedDoesNotMatchJwt {
                    seed_key: other.public_key(),
                    jwt_subject: user.public_key(),
                }
            ))]
        );
    }

    #[test]
    fn a_jwt_from_the_auth_callback_is_checked_like_a_configured_one() {
        let user = nkeys::KeyPair::new_user();
        let other = nkeys::KeyPair::new_user();
        let mut f = connected_with_callback(1_000);
        f.lose_transport();
        f.advance_to_deadline();
        f.events();
        f.input(INFO_NONCE);
        f.conn.provide_credentials(
            f.now,
            Ok(Auth::Jwt {
                jwt: user_jwt(&user, 0),
                seed: other.seed().unwrap(),
            }),
        );
        assert_eq!(f.sent(), "");
        assert!(matches!(
            disconnected_by(&f.events())[..],
            [CloseReason::InvalidCredentials(
                CredentialsError::SeedDoesNotMatchJwt { .. }
            )]
        ));
        assert_eq!(f.advance_to_deadline(), Duration::from_secs(4));
    }
}
