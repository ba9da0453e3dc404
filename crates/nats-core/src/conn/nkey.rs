//! NKey authentication: sign the server's nonce with the user's ed25519 seed.
//!
//! An NKey seed is base32 (RFC 4648, no padding) of two prefix bytes, the 32-byte ed25519
//! seed and a CRC-16/XMODEM of the rest, little-endian. Its public key is base32 of one prefix
//! byte (`U` for users), the 32-byte public key and the CRC. Decoded here directly, so that
//! the core needs no random source (the `nkeys` crate requires one even to sign).

#[cfg(feature = "nkey")]
use super::encoding::{base32_decode, base32_encode, base64url_encode};

/// The first 5 bits of a seed's first byte: `S`.
#[cfg(feature = "nkey")]
const PREFIX_SEED: u8 = 18 << 3;
/// The prefix byte of a user's public key: `U`.
#[cfg(feature = "nkey")]
const PREFIX_USER: u8 = 20 << 3;

/// The public key and the base64url signature of `nonce` for CONNECT, or why `seed` cannot
/// be used.
#[cfg(feature = "nkey")]
pub fn sign_nonce(seed: &str, nonce: &str) -> Result<(String, String), String> {
    let (public_prefix, secret) = decode_seed(seed.trim())?;
    let key = ed25519_dalek::SigningKey::from_bytes(&secret);
    let signature = ed25519_dalek::Signer::sign(&key, nonce.as_bytes());
    let public = encode_key(public_prefix, key.verifying_key().as_bytes());
    Ok((public, base64url_encode(&signature.to_bytes())))
}

/// The public key (`U...` for a user) of `seed`.
#[cfg(feature = "nkey")]
#[allow(dead_code)] // used by JWT checks
pub fn public_key(seed: &str) -> Result<String, String> {
    let (public_prefix, secret) = decode_seed(seed.trim())?;
    let key = ed25519_dalek::SigningKey::from_bytes(&secret);
    Ok(encode_key(public_prefix, key.verifying_key().as_bytes()))
}

/// `CONNECT`'s `sig` for an ed25519 `signature` made elsewhere (base64url, no padding), or why
/// it is not one (not 64 bytes).
#[cfg(feature = "nkey")]
pub fn encode_signature(signature: &[u8]) -> Result<String, String> {
    if signature.len() != 64 {
        return Err(format!(
            "the signature is {} bytes, not the 64 of an ed25519 signature",
            signature.len()
        ));
    }
    Ok(base64url_encode(signature))
}

/// Checks that `key` is a user's public NKey (`U...`: base32 of the prefix, 32 bytes of key
/// and the checksum).
#[cfg(feature = "nkey")]
pub fn check_user_public_key(key: &str) -> Result<(), String> {
    let raw = base32_decode(key).ok_or_else(|| "the NKey is not base32".to_owned())?;
    let Some((body, crc_bytes)) = raw.split_last_chunk::<2>() else {
        return Err("the NKey is too short".into());
    };
    if crc16(body) != u16::from_le_bytes(*crc_bytes) {
        return Err("the NKey's checksum does not match".into());
    }
    match body {
        [PREFIX_USER, key @ ..] if key.len() == 32 => Ok(()),
        [PREFIX_USER, ..] => Err("the NKey has the wrong length".into()),
        _ => Err("the NKey is not a user's public key (it does not start with U)".into()),
    }
}

/// The public-key prefix byte and the 32-byte ed25519 seed of an NKey seed.
#[cfg(feature = "nkey")]
fn decode_seed(seed: &str) -> Result<(u8, [u8; 32]), String> {
    let raw = base32_decode(seed).ok_or_else(|| "NKey seed: not base32".to_owned())?;
    let [b0, b1, rest @ ..] = raw.as_slice() else {
        return Err("NKey seed: too short".into());
    };
    let Some((body, crc_bytes)) = raw.split_last_chunk::<2>() else {
        return Err("NKey seed: too short".into());
    };
    if crc16(body) != u16::from_le_bytes(*crc_bytes) {
        return Err("NKey seed: checksum does not match".into());
    }
    if b0 & 0xf8 != PREFIX_SEED {
        return Err("NKey seed: not a seed (it does not start with S)".into());
    }
    let public_prefix = ((b0 & 0x07) << 5) | ((b1 & 0xf8) >> 3);
    if public_prefix != PREFIX_USER {
        return Err("NKey seed: not a user seed (it does not start with SU)".into());
    }
    let secret: [u8; 32] = rest
        .get(..32)
        .and_then(|s| s.try_into().ok())
        .filter(|_| rest.len() == 34)
        .ok_or_else(|| "NKey seed: wrong length".to_owned())?;
    Ok((public_prefix, secret))
}

#[cfg(feature = "nkey")]
fn encode_key(prefix: u8, key: &[u8; 32]) -> String {
    let mut raw = Vec::with_capacity(35);
    raw.push(prefix);
    raw.extend_from_slice(key);
    let crc = crc16(&raw);
    raw.extend_from_slice(&crc.to_le_bytes());
    base32_encode(&raw)
}

/// CRC-16/XMODEM (polynomial 0x1021, initial 0), as NKeys use.
#[cfg(feature = "nkey")]
fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &byte in data {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// Without the `nkey` feature, NKey credentials are refused with a message that says why.
#[cfg(not(feature = "nkey"))]
pub fn sign_nonce(_seed: &str, _nonce: &str) -> Result<(String, String), String> {
    Err("NKey support is not compiled in: build with the `nkey` feature".into())
}

/// Without the `nkey` feature, NKey credentials are refused with a message that says why.
#[cfg(not(feature = "nkey"))]
#[allow(dead_code)] // used by JWT checks
pub fn public_key(_seed: &str) -> Result<String, String> {
    Err("NKey support is not compiled in: build with the `nkey` feature".into())
}

/// Without the `nkey` feature, signed credentials are refused with a message that says why.
#[cfg(not(feature = "nkey"))]
pub fn encode_signature(_signature: &[u8]) -> Result<String, String> {
    Err("NKey support is not compiled in: build with the `nkey` feature".into())
}

/// Without the `nkey` feature, signed credentials are refused with a message that says why.
#[cfg(not(feature = "nkey"))]
pub fn check_user_public_key(_key: &str) -> Result<(), String> {
    Err("NKey support is not compiled in: build with the `nkey` feature".into())
}

// The reference implementation (the nkeys crate) generates keys only natively.
#[cfg(all(test, feature = "nkey", not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use data_encoding::BASE64URL_NOPAD;

    #[test]
    fn a_signature_verifies_with_the_public_key_the_nkeys_crate_derives() {
        let pair = nkeys::KeyPair::new_user();
        let seed = pair.seed().unwrap();
        let (public, sig) = sign_nonce(&seed, "n0nce").unwrap();
        assert_eq!(public, pair.public_key());
        assert_eq!(public_key(&seed).unwrap(), pair.public_key());
        let sig = BASE64URL_NOPAD.decode(sig.as_bytes()).unwrap();
        let verifier = nkeys::KeyPair::from_public_key(&public).unwrap();
        assert!(verifier.verify(b"n0nce", &sig).is_ok());
    }

    #[test]
    fn a_bad_seed_is_a_clear_error() {
        let e = sign_nonce("not-a-seed", "x").unwrap_err();
        assert!(e.contains("NKey seed"), "{e}");
        let account = nkeys::KeyPair::new_account().seed().unwrap();
        let e = sign_nonce(&account, "x").unwrap_err();
        assert!(e.contains("not a user seed"), "{e}");
        let user = nkeys::KeyPair::new_user().seed().unwrap();
        let mut damaged = user.into_bytes();
        damaged[10] = if damaged[10] == b'A' { b'B' } else { b'A' };
        let e = sign_nonce(std::str::from_utf8(&damaged).unwrap(), "x").unwrap_err();
        assert!(e.contains("checksum"), "{e}");
    }

    #[test]
    fn any_text_as_a_seed_is_refused_without_a_panic() {
        for text in [
            "",
            "S",
            "SU",
            "SUAAAA",
            "SUAM\u{0}",
            "ÿÿÿÿ",
            &"A".repeat(200),
        ] {
            assert!(sign_nonce(text, "x").is_err(), "{text:?}");
        }
    }

    #[test]
    fn only_a_users_public_key_and_a_64_byte_signature_pass_for_signed_credentials() {
        assert_eq!(
            check_user_public_key(&nkeys::KeyPair::new_user().public_key()),
            Ok(())
        );
        for bad in [
            nkeys::KeyPair::new_account().public_key(),
            nkeys::KeyPair::new_user().seed().unwrap(),
            "U\"}".to_owned(),
            String::new(),
            "UABC".to_owned(),
        ] {
            assert!(check_user_public_key(&bad).is_err(), "{bad:?}");
        }
        assert!(encode_signature(&[7; 64]).is_ok());
        for len in [0, 63, 65] {
            assert!(encode_signature(&vec![0; len]).is_err(), "{len}");
        }
    }
}
