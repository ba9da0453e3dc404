//! Base32 (RFC 4648, for NKeys) and base64url (RFC 4648 §5, for JWTs and signatures), both
//! without padding: just what NKey and JWT authentication need, in a fraction of the code of a
//! general encoding crate (the page carries every byte of it).
//!
//! JetStream's `STREAM.MSG.GET` answers carry standard, padded base64 (RFC 4648 §4):
//! [`base64_decode`] reads it.
//!
//! Decoding is strict, as `data-encoding`'s is: an impossible length, a byte outside the
//! alphabet or non-zero trailing bits is an error, never a panic.

// Built with only one of `nkey` and `jetstream`, the other's half is unused.
#![cfg_attr(not(all(feature = "nkey", feature = "jetstream")), allow(dead_code))]

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `bytes` in unpadded base32.
pub(super) fn base32_encode(bytes: &[u8]) -> String {
    encode(bytes, 5, BASE32)
}

/// The bytes of unpadded base32 `text`.
pub(super) fn base32_decode(text: &str) -> Option<Vec<u8>> {
    decode(text, 5, |c| {
        BASE32.iter().position(|&d| d == c).map(|i| i as u32)
    })
}

/// `bytes` in unpadded base64url.
pub(super) fn base64url_encode(bytes: &[u8]) -> String {
    encode(bytes, 6, BASE64URL)
}

/// The bytes of unpadded base64url `text`.
pub(super) fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    decode(text, 6, |c| {
        BASE64URL.iter().position(|&d| d == c).map(|i| i as u32)
    })
}

/// The bytes of standard base64 `text`, padded or not (`+`, `/`; a `=` only at the end).
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let unpadded = text.trim_end_matches('=');
    if text.len() - unpadded.len() > 2 {
        return None;
    }
    decode(unpadded, 6, |c| match c {
        b'+' => Some(62),
        b'/' => Some(63),
        c => BASE64URL[..62]
            .iter()
            .position(|&d| d == c)
            .map(|i| i as u32),
    })
}

/// Writes `bytes` `bits` at a time, most significant first, as digits of `alphabet`.
fn encode(bytes: &[u8], bits: u32, alphabet: &[u8]) -> String {
    let mask = (1u32 << bits) - 1;
    let mut out = String::with_capacity((bytes.len() * 8).div_ceil(bits as usize));
    let (mut acc, mut held) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        held += 8;
        while held >= bits {
            held -= bits;
            out.push(char::from(alphabet[((acc >> held) & mask) as usize]));
        }
        acc &= (1 << held) - 1;
    }
    if held > 0 {
        out.push(char::from(
            alphabet[((acc << (bits - held)) & mask) as usize],
        ));
    }
    out
}

/// Reads digits of `bits` bits each (their values from `digit`) back into bytes.
fn decode(text: &str, bits: u32, digit: impl Fn(u8) -> Option<u32>) -> Option<Vec<u8>> {
    // Lengths a whole number of bytes can have (e.g. 1, 3 or 6 base32 digits cannot).
    if text.len().saturating_mul(bits as usize) % 8 >= bits as usize {
        return None;
    }
    let mut out = Vec::with_capacity(text.len().saturating_mul(bits as usize) / 8);
    let (mut acc, mut held) = (0u32, 0u32);
    for c in text.bytes() {
        acc = (acc << bits) | digit(c)?;
        held += bits;
        if held >= 8 {
            held -= 8;
            out.push((acc >> held) as u8);
            acc &= (1 << held) - 1;
        }
    }
    // The bits left over are padding of the last digit: a canonical encoding has them zero.
    (acc == 0).then_some(out)
}

// Checked against data-encoding, the crate these replace.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use data_encoding::{BASE32_NOPAD, BASE64URL_NOPAD};
    use proptest::prelude::*;

    #[test]
    fn the_rfc_4648_test_vectors_encode_and_decode() {
        for (plain, b32, b64) in [
            ("", "", ""),
            ("f", "MY", "Zg"),
            ("fo", "MZXQ", "Zm8"),
            ("foo", "MZXW6", "Zm9v"),
            ("foob", "MZXW6YQ", "Zm9vYg"),
            ("fooba", "MZXW6YTB", "Zm9vYmE"),
            ("foobar", "MZXW6YTBOI", "Zm9vYmFy"),
        ] {
            assert_eq!(base32_encode(plain.as_bytes()), b32);
            assert_eq!(base64url_encode(plain.as_bytes()), b64);
            assert_eq!(base32_decode(b32).unwrap(), plain.as_bytes());
            assert_eq!(base64url_decode(b64).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn impossible_lengths_foreign_bytes_and_stray_bits_are_refused() {
        assert_eq!(base32_decode("M"), None);
        assert_eq!(base32_decode("MZX"), None);
        assert_eq!(base32_decode("my"), None, "lower case is not the alphabet");
        assert_eq!(base32_decode("MZ"), None, "non-zero trailing bits");
        assert_eq!(base64url_decode("Z"), None);
        assert_eq!(
            base64url_decode("Zg=="),
            None,
            "padding is not unpadded base64url"
        );
        assert_eq!(base64url_decode("Z+"), None, "+ is base64, not base64url");
        assert_eq!(base64url_decode("Zh"), None, "non-zero trailing bits");
    }

    #[test]
    fn standard_base64_is_read_padded_and_unpadded() {
        assert_eq!(base64_decode("Zm9vYg==").unwrap(), b"foob");
        assert_eq!(base64_decode("Zm9vYg").unwrap(), b"foob");
        assert_eq!(base64_decode("+/8=").unwrap(), [0xfb, 0xff]);
        assert_eq!(base64_decode("Zg==="), None, "three padding characters");
        assert_eq!(base64_decode("Z-8="), None, "- is base64url, not base64");
    }

    proptest! {
        #[test]
        fn standard_base64_matches_data_encoding(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            prop_assert_eq!(base64_decode(&data_encoding::BASE64.encode(&bytes)), Some(bytes));
        }

        #[test]
        fn encoding_matches_data_encoding(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            prop_assert_eq!(base32_encode(&bytes), BASE32_NOPAD.encode(&bytes));
            prop_assert_eq!(base64url_encode(&bytes), BASE64URL_NOPAD.encode(&bytes));
            prop_assert_eq!(base32_decode(&BASE32_NOPAD.encode(&bytes)), Some(bytes.clone()));
            prop_assert_eq!(base64url_decode(&BASE64URL_NOPAD.encode(&bytes)), Some(bytes));
        }

        #[test]
        fn decoding_any_text_agrees_with_data_encoding(text in "[A-Za-z0-9_=+/-]{0,40}") {
            prop_assert_eq!(base32_decode(&text), BASE32_NOPAD.decode(text.as_bytes()).ok());
            prop_assert_eq!(base64url_decode(&text), BASE64URL_NOPAD.decode(text.as_bytes()).ok());
        }

        #[test]
        fn decoding_arbitrary_text_never_panics(text in "\\PC{0,60}") {
            let _ = base32_decode(&text);
            let _ = base64url_decode(&text);
        }
    }
}
