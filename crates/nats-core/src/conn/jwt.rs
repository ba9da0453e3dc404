//! User JWTs (decentralized auth): what the client can check before it sends one, and the
//! `CONNECT` fields that carry it.
//!
//! The client does not verify the JWT's signature (the server does, against its operator and
//! account): it reads the claims only to refuse, before connecting, a seed that is not the
//! JWT's user and a JWT that has expired.

use super::credentials::CredentialsError;
use super::nkey;
#[cfg(feature = "nkey")]
use crate::proto::json::read_jwt_claims;
use crate::proto::json::JwtClaims;

/// The claims of `jwt` (`header.claims.signature`, each part base64url without padding).
#[cfg(feature = "nkey")]
pub(super) fn claims(jwt: &str) -> Result<JwtClaims, CredentialsError> {
    let invalid = |why: &str| CredentialsError::InvalidJwt(why.to_owned());
    let mut parts = jwt.trim().split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid(
            "not three dot-separated parts (header.claims.signature)",
        ));
    };
    // Lenient: padding is not part of the JWT encoding, but some tools write it.
    let payload = payload.trim_end_matches('=');
    let json = data_encoding::BASE64URL_NOPAD
        .decode(payload.as_bytes())
        .map_err(|_| invalid("the claims are not base64url"))?;
    read_jwt_claims(&json)
        .map_err(|e| CredentialsError::InvalidJwt(format!("the claims are not a JSON object: {e}")))
}

/// Without the `nkey` feature a JWT cannot be decoded, nor its nonce signed.
#[cfg(not(feature = "nkey"))]
pub(super) fn claims(_jwt: &str) -> Result<JwtClaims, CredentialsError> {
    Err(CredentialsError::InvalidSeed(
        "NKey support is not compiled in: build with the `nkey` feature".into(),
    ))
}

/// Checks that `seed` is a usable user seed and the user `jwt` was issued to, and, when the
/// wall clock is known (`unix_now`, seconds since 1970), that the JWT has not expired.
pub fn check_user_jwt(
    jwt: &str,
    seed: &str,
    unix_now: Option<u64>,
) -> Result<(), CredentialsError> {
    let claims = claims(jwt)?;
    let seed_key = nkey::public_key(seed).map_err(CredentialsError::InvalidSeed)?;
    let Some(subject) = claims.sub else {
        return Err(CredentialsError::InvalidJwt(
            "its claims have no `sub`".into(),
        ));
    };
    if subject != seed_key {
        return Err(CredentialsError::SeedDoesNotMatchJwt {
            seed_key,
            jwt_subject: subject,
        });
    }
    // `exp` 0 (or absent) never expires. nats-server accepts a JWT in the second of its
    // `exp` but expires the connection at once: it is of no use from that second on.
    if let (Some(now), Some(exp)) = (unix_now, claims.exp.filter(|e| *e > 0)) {
        let expired_at = u64::try_from(exp).unwrap_or(0);
        if now >= expired_at {
            return Err(CredentialsError::JwtExpired { expired_at, now });
        }
    }
    Ok(())
}

/// The `jwt` and `sig` of `CONNECT`: the JWT as given and `nonce` signed with the user's seed.
pub(super) fn connect_fields(
    jwt: &str,
    seed: &str,
    nonce: &str,
    unix_now: Option<u64>,
) -> Result<(String, String), CredentialsError> {
    check_user_jwt(jwt, seed, unix_now)?;
    let (_public, sig) = nkey::sign_nonce(seed, nonce).map_err(CredentialsError::InvalidSeed)?;
    Ok((jwt.trim().to_owned(), sig))
}

// The reference key pairs (the nkeys crate) are made only natively.
#[cfg(all(test, feature = "nkey", not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use data_encoding::BASE64URL_NOPAD;

    /// An unsigned JWT with these claims (the client never checks the signature).
    fn jwt_with(claims: &str) -> String {
        let header = BASE64URL_NOPAD.encode(br#"{"typ":"JWT","alg":"ed25519-nkey"}"#);
        let claims = BASE64URL_NOPAD.encode(claims.as_bytes());
        format!("{header}.{claims}.c2ln")
    }

    #[test]
    fn the_seed_of_the_jwt_user_passes_and_signs_the_nonce() {
        let user = nkeys::KeyPair::new_user();
        let jwt = jwt_with(&format!(r#"{{"sub":"{}","exp":2000}}"#, user.public_key()));
        let seed = user.seed().unwrap();
        let (sent, sig) = connect_fields(&jwt, &seed, "n0nce", Some(1999)).unwrap();
        assert_eq!(sent, jwt);
        let sig = BASE64URL_NOPAD.decode(sig.as_bytes()).unwrap();
        assert!(user.verify(b"n0nce", &sig).is_ok());
        // Without a wall clock the expiry is left to the server.
        assert!(check_user_jwt(&jwt, &seed, None).is_ok());
        assert!(check_user_jwt(&jwt, &seed, Some(1999)).is_ok());
        assert!(
            check_user_jwt(&jwt, &seed, Some(2000)).is_err(),
            "useless from its second"
        );
    }

    #[test]
    fn a_seed_of_another_user_is_refused_naming_both_keys() {
        let user = nkeys::KeyPair::new_user();
        let other = nkeys::KeyPair::new_user();
        let jwt = jwt_with(&format!(r#"{{"sub":"{}"}}"#, user.public_key()));
        let err = check_user_jwt(&jwt, &other.seed().unwrap(), None).unwrap_err();
        assert_eq!(
            err,
            CredentialsError::SeedDoesNotMatchJwt {
                seed_key: other.public_key(),
                jwt_subject: user.public_key()
            }
        );
    }

    #[test]
    fn an_expired_jwt_is_refused_with_its_expiry() {
        let user = nkeys::KeyPair::new_user();
        let jwt = jwt_with(&format!(r#"{{"sub":"{}","exp":1000}}"#, user.public_key()));
        let err = check_user_jwt(&jwt, &user.seed().unwrap(), Some(1000)).unwrap_err();
        assert_eq!(
            err,
            CredentialsError::JwtExpired {
                expired_at: 1000,
                now: 1000
            }
        );
        // exp 0 never expires.
        let jwt = jwt_with(&format!(r#"{{"sub":"{}","exp":0}}"#, user.public_key()));
        assert!(check_user_jwt(&jwt, &user.seed().unwrap(), Some(u64::MAX)).is_ok());
    }

    #[test]
    fn an_unreadable_jwt_is_a_typed_error() {
        let seed = nkeys::KeyPair::new_user().seed().unwrap();
        for jwt in [
            "",
            "a.b",
            "a.b.c.d",
            "a.!!!.c",
            &jwt_with("[1]"),
            &jwt_with(r#"{"sub":1}"#),
            &jwt_with(r#"{"exp":"soon"}"#),
            &jwt_with("{}"),
        ] {
            let err = check_user_jwt(jwt, &seed, None).unwrap_err();
            assert!(
                matches!(err, CredentialsError::InvalidJwt(_)),
                "{jwt}: {err:?}"
            );
        }
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn any_text_as_a_jwt_or_seed_never_panics(jwt in "\\PC*", seed in "\\PC*") {
                let _ = check_user_jwt(&jwt, &seed, Some(0));
            }

            #[test]
            fn any_claims_never_panic(claims in "\\PC*") {
                let header = data_encoding::BASE64URL_NOPAD.encode(b"{}");
                let claims = data_encoding::BASE64URL_NOPAD.encode(claims.as_bytes());
                let _ = check_user_jwt(&format!("{header}.{claims}.x"), "SU", Some(0));
            }
        }
    }
}
