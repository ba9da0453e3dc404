//! Credentials with scripted server input, continued: a JWT's expiry is the server's to judge
//! (a refusal of a JWT past its `exp` is told apart), credentials signed elsewhere
//! ([`Auth::Signed`]) go into `CONNECT` as given, and no secret shows in `Debug`.

use super::test_fixture::{with_servers, Fixture, INFO};
use super::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// The JSON of the `CONNECT` in `sent`.
#[cfg(all(feature = "nkey", not(target_arch = "wasm32")))]
fn connect_json(sent: &str) -> serde_json::Value {
    let json = sent
        .strip_prefix("CONNECT ")
        .and_then(|s| s.split("\r\n").next())
        .unwrap_or_else(|| panic!("no CONNECT in {sent:?}"));
    serde_json::from_str(json).unwrap()
}

#[test]
fn debug_of_the_options_and_the_connection_shows_no_secret() {
    let secrets = ["tok-SECRET", "pw-SECRET", "SUSEEDSECRET", "JWTBODYSECRET"];
    let jwt = format!("eyJhbGci.{}.sig", secrets[3]);
    for auth in [
        Auth::Token(secrets[0].into()),
        Auth::UserPassword {
            user: "ann".into(),
            password: secrets[1].into(),
        },
        Auth::NKey {
            seed: secrets[2].into(),
        },
        Auth::Jwt {
            jwt: jwt.clone(),
            seed: secrets[2].into(),
        },
        Auth::Signed {
            jwt: Some(jwt.clone()),
            nkey: Some("UKEY".into()),
            signature: b"SIGSECRET".to_vec(),
        },
    ] {
        let options = with_servers(&["nats://a:1"]);
        let options = ConnectOptions { auth, ..options };
        let mut f = Fixture::new(options.clone());
        f.transports();
        f.input(INFO); // the CONNECT, with what it can carry, waits to be sent
        let shown = format!("{options:?} {:?}", f.conn);
        for secret in secrets.iter().chain(&["SIGSECRET"]) {
            let as_bytes: Vec<String> = secret.bytes().map(|b| b.to_string()).collect();
            assert!(!shown.contains(secret), "{secret} in {shown}");
            assert!(!shown.contains(&as_bytes.join(", ")), "{secret} in {shown}");
        }
        assert!(shown.contains("<redacted>"), "{shown}");
    }
    let shown = format!(
        "{:?}",
        Auth::UserPassword {
            user: "ann".into(),
            password: "x".into()
        }
    );
    assert!(
        shown.contains("\"ann\""),
        "the user name is no secret: {shown}"
    );
    let shown = format!(
        "{:?}",
        Auth::Jwt {
            jwt,
            seed: "x".into()
        }
    );
    assert!(
        shown.contains("\"eyJhbGci...\""),
        "a JWT by its start: {shown}"
    );
}

// Key pairs and JWTs need the nkeys crate, which makes keys only natively.
#[cfg(all(feature = "nkey", not(target_arch = "wasm32")))]
mod keys {
    use super::super::test_fixture::disconnected_by;
    use super::super::tests_auth::jwt::user_jwt;
    use super::*;

    const INFO_NONCE: &str = "INFO {\"server_id\":\"S1\",\"headers\":true,\"max_payload\":1024,\
                              \"auth_required\":true,\"nonce\":\"n0nce\"}\r\n";
    use data_encoding::BASE64URL_NOPAD;

    /// Connected with `auth` and the wall clock at `unix_now` (seconds since 1970).
    fn connected_with(auth: Auth, unix_now: u64) -> Fixture {
        let options = with_servers(&["nats://a:1"]).reconnect_jitter(Duration::ZERO);
        let mut f = Fixture::new(ConnectOptions { auth, ..options });
        f.conn.set_wall_clock(f.now, Duration::from_secs(unix_now));
        f.transports();
        let sent = f.handshake(INFO_NONCE);
        assert!(sent.starts_with("CONNECT {"), "{sent}");
        assert!(
            f.events().iter().any(|e| matches!(e, Event::Connected(_))),
            "connected"
        );
        f
    }

    #[test]
    fn a_jwt_past_its_exp_by_the_owners_clock_is_sent_and_connects_when_the_server_accepts_it() {
        let user = nkeys::KeyPair::new_user();
        let jwt = user_jwt(&user, 1_000);
        // The owner's clock says 5000: it runs fast, or the server's is slow. Not our call.
        let auth = Auth::Jwt {
            jwt: jwt.clone(),
            seed: user.seed().unwrap(),
        };
        let mut f = Fixture::new(with_servers(&["nats://a:1"]).jwt(&jwt, user.seed().unwrap()));
        f.conn.set_wall_clock(f.now, Duration::from_secs(5_000));
        f.transports();
        let sent = f.handshake(INFO_NONCE);
        assert_eq!(connect_json(&sent)["jwt"], jwt.as_str());
        assert!(f.events().iter().any(|e| matches!(e, Event::Connected(_))));
        drop(connected_with(auth, 5_000));
    }

    #[test]
    fn a_server_refusal_of_a_jwt_past_its_exp_by_the_owners_clock_is_reported_expired_and_backs_off(
    ) {
        let user = nkeys::KeyPair::new_user();
        let auth = Auth::Jwt {
            jwt: user_jwt(&user, 1_000),
            seed: user.seed().unwrap(),
        };
        let mut f = connected_with(auth, 999);
        // While connected, the JWT's second comes and the server expires the connection.
        f.now += Duration::from_secs(1);
        f.input("-ERR 'User Authentication Expired'\r\n");
        let expired = |now| {
            CloseReason::InvalidCredentials(CredentialsError::JwtExpired {
                expired_at: 1_000,
                now,
            })
        };
        assert_eq!(disconnected_by(&f.events()), [expired(1_000)]);
        let mut waits = vec![f.advance_to_deadline().as_secs()];
        for _ in 0..2 {
            f.transports();
            f.input(INFO_NONCE);
            assert!(f.sent().starts_with("CONNECT {"), "the JWT is still sent");
            // nats-server refuses an expired JWT's CONNECT as an authorization violation.
            f.input("-ERR 'Authorization Violation'\r\n");
            let now = 1_000 + waits.iter().sum::<u64>();
            assert_eq!(disconnected_by(&f.events()), [expired(now)]);
            waits.push(f.advance_to_deadline().as_secs());
        }
        assert_eq!(waits, [4, 8, 16], "reconnect_wait 2 s, doubled per refusal");
    }

    #[test]
    fn a_refusal_of_a_jwt_that_has_not_expired_by_the_owners_clock_keeps_the_servers_words() {
        let user = nkeys::KeyPair::new_user();
        for (exp, now) in [(1_000, 999), (0, u64::from(u32::MAX))] {
            let auth = Auth::Jwt {
                jwt: user_jwt(&user, exp),
                seed: user.seed().unwrap(),
            };
            let mut f = connected_with(auth, now);
            f.input("-ERR 'Authorization Violation'\r\n");
            assert!(
                matches!(
                    &disconnected_by(&f.events())[..],
                    [CloseReason::Server(ServerError {
                        kind: ServerErrorKind::AuthorizationViolation,
                        ..
                    })]
                ),
                "exp {exp}"
            );
        }
        // Without a wall clock, the server's words too.
        let mut f = Fixture::connected_to(
            with_servers(&["nats://a:1"]).jwt(user_jwt(&user, 1), user.seed().unwrap()),
        );
        f.input("-ERR 'User Authentication Expired'\r\n");
        assert!(matches!(
            &disconnected_by(&f.events())[..],
            [CloseReason::Server(ServerError {
                kind: ServerErrorKind::AuthenticationExpired,
                ..
            })]
        ));
    }

    /// A connection whose auth callback was asked for this INFO's nonce.
    fn asked_for_credentials() -> Fixture {
        let options = with_servers(&["nats://a:1"]).auth_callback(Duration::from_secs(1));
        let mut f = Fixture::new(options);
        f.transports();
        f.input(INFO_NONCE);
        assert_eq!(
            f.events(),
            [Event::CredentialsNeeded {
                nonce: Some("n0nce".into())
            }]
        );
        f
    }

    #[test]
    fn credentials_signed_elsewhere_go_into_connect_exactly_as_given() {
        // The "backend": holds the seed, signs the nonce the connection was handed.
        let user = nkeys::KeyPair::new_user();
        let jwt = user_jwt(&user, 0);
        let signature = user.sign(b"n0nce").unwrap();

        let mut f = asked_for_credentials();
        f.conn.provide_credentials(
            f.now,
            Ok(Auth::Signed {
                jwt: Some(jwt.clone()),
                nkey: None,
                signature: signature.clone(),
            }),
        );
        let connect = connect_json(&f.sent());
        assert_eq!(connect["jwt"], jwt.as_str());
        assert_eq!(connect["sig"], BASE64URL_NOPAD.encode(&signature).as_str());
        assert!(connect.get("nkey").is_none(), "{connect}");
        f.input("PONG\r\n");
        assert!(f.events().iter().any(|e| matches!(e, Event::Connected(_))));

        // NKey auth without a JWT: the public key and the signature.
        let mut f = asked_for_credentials();
        f.conn.provide_credentials(
            f.now,
            Ok(Auth::Signed {
                jwt: None,
                nkey: Some(user.public_key()),
                signature: signature.clone(),
            }),
        );
        let connect = connect_json(&f.sent());
        assert_eq!(connect["nkey"], user.public_key().as_str());
        assert_eq!(connect["sig"], BASE64URL_NOPAD.encode(&signature).as_str());
        assert!(connect.get("jwt").is_none(), "{connect}");
    }

    #[test]
    fn signed_credentials_that_cannot_be_sent_fail_the_attempt_typed_and_send_nothing() {
        let user = nkeys::KeyPair::new_user();
        let signature = user.sign(b"n0nce").unwrap();
        for (jwt, nkey, signature) in [
            (Some(user_jwt(&user, 0)), None, signature[..63].to_vec()),
            (None, None, signature.clone()),
            (None, Some("U\",\"x\":\"".to_owned()), signature.clone()),
            (
                None,
                Some(nkeys::KeyPair::new_account().public_key()),
                signature.clone(),
            ),
            (Some("not.a-jwt".to_owned()), None, signature.clone()),
            // An NKey that is not the JWT's user: the server would check the JWT's.
            (
                Some(user_jwt(&user, 0)),
                Some(nkeys::KeyPair::new_user().public_key()),
                signature.clone(),
            ),
        ] {
            let mut f = asked_for_credentials();
            let auth = Auth::Signed {
                jwt,
                nkey,
                signature,
            };
            f.conn.provide_credentials(f.now, Ok(auth.clone()));
            assert_eq!(f.sent(), "", "{auth:?}");
            assert!(
                matches!(
                    f.events().last(),
                    Some(Event::Closed(CloseReason::InvalidCredentials(
                        CredentialsError::InvalidSignedCredentials(_)
                    )))
                ),
                "{auth:?}"
            );
        }
    }

    #[test]
    fn signed_credentials_in_the_options_are_refused_before_anything_is_opened() {
        let user = nkeys::KeyPair::new_user();
        let mut options = with_servers(&["nats://a:1"]);
        options.auth = Auth::Signed {
            jwt: None,
            nkey: Some(user.public_key()),
            signature: user.sign(b"n0nce").unwrap(),
        };
        let mut f = Fixture::new(options);
        assert!(
            !matches!(f.conn.poll_transport(), Some(Transport::Open(_))),
            "nothing is opened"
        );
        assert!(matches!(
            f.events().last(),
            Some(Event::Closed(CloseReason::InvalidCredentials(
                CredentialsError::InvalidSignedCredentials(_)
            )))
        ));
    }

    #[test]
    fn a_signed_nkey_with_surrounding_whitespace_is_sent_trimmed() {
        let user = nkeys::KeyPair::new_user();
        let mut f = asked_for_credentials();
        let signature = user.sign(b"n0nce").unwrap();
        let auth = Auth::Signed {
            jwt: None,
            nkey: Some(format!(" {}\n", user.public_key())),
            signature,
        };
        f.conn.provide_credentials(f.now, Ok(auth));
        assert!(
            f.sent()
                .contains(&format!("\"nkey\":\"{}\"", user.public_key())),
            "{}",
            f.sent()
        );
    }

    #[test]
    fn a_server_without_a_nonce_makes_the_connection_ask_with_none() {
        let options = with_servers(&["nats://a:1"]).auth_callback(Duration::from_secs(1));
        let mut f = Fixture::new(options);
        f.transports();
        f.input(INFO);
        assert_eq!(f.events(), [Event::CredentialsNeeded { nonce: None }]);
    }
}
