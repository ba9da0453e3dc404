//! NUIDs: the 22-character unique ids NATS uses for inboxes.
//!
//! A NUID is a 12-character random prefix followed by a 10-character sequence, both in base62.
//! The sequence starts at a random value and grows by a random step of 33..=332; when it would
//! pass 62^10 the prefix is drawn again. Randomness comes from the operating system natively and
//! from `crypto.getRandomValues` in the browser.

const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const PREFIX_LEN: usize = 12;
const SEQ_LEN: usize = 10;
const MAX_SEQ: u64 = 839_299_365_868_340_224; // 62^10
const MIN_INC: u64 = 33;
const MAX_INC: u64 = 333;

/// Total length of a NUID in characters.
pub const NUID_LEN: usize = PREFIX_LEN + SEQ_LEN;

/// A generator of NUIDs; keep one per connection and call [`Nuid::next`].
#[derive(Debug, Clone)]
pub struct Nuid {
    prefix: [u8; PREFIX_LEN],
    seq: u64,
    inc: u64,
}

impl Default for Nuid {
    fn default() -> Self {
        Self::new()
    }
}

impl Nuid {
    /// A generator with a fresh random prefix, start and step.
    pub fn new() -> Self {
        let mut nuid = Nuid {
            prefix: [b'0'; PREFIX_LEN],
            seq: 0,
            inc: 0,
        };
        nuid.reset();
        nuid
    }

    /// The next NUID, 22 base62 characters.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> String {
        self.seq += self.inc;
        if self.seq >= MAX_SEQ {
            self.reset();
        }
        let mut out = [0u8; NUID_LEN];
        out[..PREFIX_LEN].copy_from_slice(&self.prefix);
        let mut seq = self.seq;
        for slot in out[PREFIX_LEN..].iter_mut().rev() {
            *slot = DIGITS[(seq % 62) as usize];
            seq /= 62;
        }
        out.iter().map(|&b| b as char).collect()
    }

    fn reset(&mut self) {
        let mut bytes = [0u8; PREFIX_LEN + 16];
        fill_random(&mut bytes);
        for (slot, b) in self.prefix.iter_mut().zip(&bytes) {
            *slot = DIGITS[(*b as usize) % 62];
        }
        let words = &bytes[PREFIX_LEN..];
        let seq = u64::from_le_bytes(words[..8].try_into().unwrap_or_default());
        let inc = u64::from_le_bytes(words[8..].try_into().unwrap_or_default());
        self.seq = seq % MAX_SEQ;
        self.inc = MIN_INC + inc % (MAX_INC - MIN_INC);
    }
}

/// Fills `buf` from the platform's cryptographic random source.
pub(crate) fn fill_random(buf: &mut [u8]) {
    if !platform_random(buf) {
        // No random source (never seen on supported platforms): fall back to a time-seeded
        // generator so that inboxes stay distinct, if predictable.
        let mut x = web_time::SystemTime::now()
            .duration_since(web_time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15)
            | 1;
        for b in buf {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
    }
}

/// The operating system's random source, through getrandom.
#[cfg(not(target_arch = "wasm32"))]
fn platform_random(buf: &mut [u8]) -> bool {
    getrandom::getrandom(buf).is_ok()
}

/// `crypto.getRandomValues`, called directly: getrandom's browser support also probes for
/// Node.js, which puts six more imports into every page's JavaScript.
#[cfg(target_arch = "wasm32")]
fn platform_random(buf: &mut [u8]) -> bool {
    buf.chunks_mut(65_536) // getRandomValues' limit per call
        .all(|chunk| browser::get_random_values(chunk).is_ok())
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        /// `globalThis.crypto.getRandomValues`, in pages and workers alike.
        #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
        pub fn get_random_values(buf: &mut [u8]) -> Result<JsValue, JsValue>;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn nuids_are_22_base62_characters() {
        let mut n = Nuid::new();
        let id = n.next();
        assert_eq!(id.len(), NUID_LEN);
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()), "{id}");
    }

    #[test]
    fn consecutive_nuids_share_the_prefix_and_are_distinct() {
        let mut n = Nuid::new();
        let ids: Vec<String> = (0..10_000).map(|_| n.next()).collect();
        assert!(ids
            .iter()
            .all(|id| id[..PREFIX_LEN] == ids[0][..PREFIX_LEN]));
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
    }

    #[test]
    fn two_generators_draw_different_prefixes() {
        assert_ne!(
            Nuid::new().next()[..PREFIX_LEN],
            Nuid::new().next()[..PREFIX_LEN]
        );
    }

    #[test]
    fn the_step_stays_within_the_nats_range() {
        for _ in 0..1000 {
            let n = Nuid::new();
            assert!((MIN_INC..MAX_INC).contains(&n.inc));
            assert!(n.seq < MAX_SEQ);
        }
    }

    #[test]
    fn passing_the_sequence_limit_draws_a_new_prefix() {
        let mut n = Nuid::new();
        let before = n.prefix;
        n.seq = MAX_SEQ - 1;
        let id = n.next();
        assert_ne!(before, n.prefix);
        assert!(n.seq < MAX_SEQ);
        assert_eq!(id.len(), NUID_LEN);
    }
}

/// Run in the browser by `wasm-pack test --lib` (scripts/test.sh).
#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn the_browser_crypto_source_fills_buffers_with_distinct_bytes() {
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        assert!(super::platform_random(&mut a));
        assert!(super::platform_random(&mut b));
        assert_ne!(a, b);
        assert_ne!(a, [0u8; 32]);
    }

    #[wasm_bindgen_test]
    fn more_than_one_call_s_worth_of_bytes_is_filled_in_chunks() {
        let mut big = vec![0u8; 70_000];
        assert!(super::platform_random(&mut big));
        assert!(big[65_536..].iter().any(|b| *b != 0));
    }
}
