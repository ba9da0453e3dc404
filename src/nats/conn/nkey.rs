//! NKey authentication: sign the server's nonce with the user's ed25519 seed.

#[cfg(feature = "nkey")]
use data_encoding::BASE64URL_NOPAD;

/// The public key and the base64url signature of `nonce` for CONNECT, or why `seed` cannot
/// be used.
#[cfg(feature = "nkey")]
pub fn sign_nonce(seed: &str, nonce: &str) -> Result<(String, String), String> {
    let pair = nkeys::KeyPair::from_seed(seed.trim()).map_err(|e| format!("NKey seed: {e}"))?;
    let signature = pair
        .sign(nonce.as_bytes())
        .map_err(|e| format!("signing the nonce: {e}"))?;
    Ok((pair.public_key(), BASE64URL_NOPAD.encode(&signature)))
}

/// Without the `nkey` feature, NKey credentials are refused with a message that says why.
#[cfg(not(feature = "nkey"))]
pub fn sign_nonce(_seed: &str, _nonce: &str) -> Result<(String, String), String> {
    Err("NKey support is not compiled in: build nats-web with the `nkey` feature".into())
}

// nkeys cannot generate keys on wasm32-unknown-unknown; signing works everywhere.
#[cfg(all(test, feature = "nkey", not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_with_the_public_key() {
        let pair = nkeys::KeyPair::new_user();
        let seed = pair.seed().unwrap();
        let (public, sig) = sign_nonce(&seed, "n0nce").unwrap();
        assert_eq!(public, pair.public_key());
        let sig = BASE64URL_NOPAD.decode(sig.as_bytes()).unwrap();
        let verifier = nkeys::KeyPair::from_public_key(&public).unwrap();
        assert!(verifier.verify(b"n0nce", &sig).is_ok());
    }

    #[test]
    fn a_bad_seed_is_a_clear_error() {
        let e = sign_nonce("not-a-seed", "x").unwrap_err();
        assert!(e.contains("NKey seed"), "{e}");
    }
}
