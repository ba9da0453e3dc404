//! User JWTs (decentralized auth): what the client can check before it sends one, and the
//! `CONNECT` fields that carry it.
//!
//! The client does not verify the JWT's signature (the server does, against its operator and
//! account): it reads the claims only to refuse, before connecting, a seed that is not the
//! JWT's user, and to explain a refusal of a JWT whose `exp` has passed. It never refuses a
//! JWT by its own clock: a clock that runs fast must not keep out a user the server accepts.

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
    let json = super::encoding::base64url_decode(payload)
        .ok_or_else(|| invalid("the claims are not base64url"))?;
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

/// Checks that `seed` is a usable user seed and the user `jwt` was issued to. The JWT's
/// expiry is not judged here: only the server's clock decides it (see
/// [`CredentialsError::JwtExpired`]).
pub fn check_user_jwt(jwt: &str, seed: &str) -> Result<(), CredentialsError> {
    checked_claims(jwt, seed).map(drop)
}

/// The claims of `jwt`, once `seed` is known to be its user's.
fn checked_claims(jwt: &str, seed: &str) -> Result<JwtClaims, CredentialsError> {
    let claims = claims(jwt)?;
    let seed_key = nkey::public_key(seed).map_err(CredentialsError::InvalidSeed)?;
    let Some(subject) = claims.sub.as_deref() else {
        return Err(CredentialsError::InvalidJwt(
            "its claims have no `sub`".into(),
        ));
    };
    if subject != seed_key {
        return Err(CredentialsError::SeedDoesNotMatchJwt {
            seed_key,
            jwt_subject: subject.to_owned(),
        });
    }
    Ok(claims)
}

/// When `claims` expire, in seconds since 1970; `None` for never (`exp` 0 or absent).
pub(super) fn expiry(claims: &JwtClaims) -> Option<u64> {
    claims
        .exp
        .filter(|e| *e > 0)
        .map(|e| u64::try_from(e).unwrap_or(0))
}

/// Whether a JWT expiring at `exp` is expired at `unix_now`. nats-server accepts a JWT in
/// the second of its `exp` but expires the connection at once: from that second on it is of
/// no use.
pub(super) fn is_expired(exp: u64, unix_now: u64) -> bool {
    unix_now >= exp
}

/// The `jwt` and `sig` of `CONNECT` (the JWT as given and `nonce` signed with the user's
/// seed), and the JWT's expiry.
pub(super) fn connect_fields(
    jwt: &str,
    seed: &str,
    nonce: &str,
) -> Result<(String, String, Option<u64>), CredentialsError> {
    let claims = checked_claims(jwt, seed)?;
    let (_public, sig) = nkey::sign_nonce(seed, nonce).map_err(CredentialsError::InvalidSeed)?;
    Ok((jwt.trim().to_owned(), sig, expiry(&claims)))
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
        let (sent, sig, exp) = connect_fields(&jwt, &seed, "n0nce").unwrap();
        assert_eq!(sent, jwt);
        assert_eq!(exp, Some(2000));
        let sig = BASE64URL_NOPAD.decode(sig.as_bytes()).unwrap();
        assert!(user.verify(b"n0nce", &sig).is_ok());
        assert!(check_user_jwt(&jwt, &seed).is_ok());
    }

    #[test]
    fn a_jwt_past_its_exp_by_the_local_clock_is_still_accepted_for_the_server_to_judge() {
        let user = nkeys::KeyPair::new_user();
        let jwt = jwt_with(&format!(r#"{{"sub":"{}","exp":1000}}"#, user.public_key()));
        let seed = user.seed().unwrap();
        assert!(check_user_jwt(&jwt, &seed).is_ok());
        let (_, _, exp) = connect_fields(&jwt, &seed, "n").unwrap();
        assert_eq!(exp, Some(1000));
        assert!(!is_expired(1000, 999));
        assert!(is_expired(1000, 1000), "useless from its second");
    }

    #[test]
    fn a_seed_of_another_user_is_refused_naming_both_keys() {
        let user = nkeys::KeyPair::new_user();
        let other = nkeys::KeyPair::new_user();
        let jwt = jwt_with(&format!(r#"{{"sub":"{}"}}"#, user.public_key()));
        let err = check_user_jwt(&jwt, &other.seed().unwrap()).unwrap_err();
        assert_eq!(
            err,
            CredentialsError::SeedDoesNotMatchJwt {
                seed_key: other.public_key(),
                jwt_subject: user.public_key()
            }
        );
    }

    #[test]
    fn a_jwt_without_exp_or_with_exp_0_never_expires() {
        let user = nkeys::KeyPair::new_user();
        let seed = user.seed().unwrap();
        for claims in [
            format!(r#"{{"sub":"{}","exp":0}}"#, user.public_key()),
            format!(r#"{{"sub":"{}"}}"#, user.public_key()),
        ] {
            let (_, _, exp) = connect_fields(&jwt_with(&claims), &seed, "n").unwrap();
            assert_eq!(exp, None, "{claims}");
        }
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
            let err = check_user_jwt(jwt, &seed).unwrap_err();
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
                let _ = check_user_jwt(&jwt, &seed);
            }

            #[test]
            fn any_claims_never_panic(claims in "\\PC*") {
                let header = data_encoding::BASE64URL_NOPAD.encode(b"{}");
                let claims = data_encoding::BASE64URL_NOPAD.encode(claims.as_bytes());
                let _ = check_user_jwt(&format!("{header}.{claims}.x"), "SU");
            }
        }
    }
}
