//! The core's random numbers, from a seed its owner draws (`crypto.getRandomValues` in the
//! browser, the operating system's source natively): the core reads no platform source.
//!
//! [`Random`] is ChaCha20 (RFC 8439) keyed with the 32-byte seed, so what it gives is as hard to
//! predict as the seed: inbox names ([`crate::proto::Nuid`]), the server shuffle and reconnect
//! jitter all come from it. A fixed seed gives a fixed sequence, which tests and the fuzz targets
//! use.

/// A cryptographically strong generator keyed with the owner's seed.
#[derive(Clone)]
pub struct Random {
    key: [u32; 8],
    counter: u64,
    block: [u8; 64],
    used: usize,
}

impl std::fmt::Debug for Random {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Random { .. }") // never show the key
    }
}

impl Random {
    /// A generator keyed with `seed`, which must come from a cryptographic source.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let mut key = [0u32; 8];
        for (word, bytes) in key.iter_mut().zip(seed.chunks_exact(4)) {
            *word = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        Random {
            key,
            counter: 0,
            block: [0; 64],
            used: 64,
        }
    }

    /// Fills `buf` with the next bytes of the stream.
    pub fn fill(&mut self, buf: &mut [u8]) {
        for byte in buf {
            if self.used == self.block.len() {
                let counter = self.counter as u32;
                let nonce = [(self.counter >> 32) as u32, 0, 0];
                self.block = chacha20_block(&self.key, counter, &nonce);
                self.counter = self.counter.wrapping_add(1);
                self.used = 0;
            }
            *byte = self.block[self.used];
            self.used += 1;
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut bytes = [0u8; 8];
        self.fill(&mut bytes);
        u64::from_le_bytes(bytes)
    }

    /// A uniformly drawn value in `0..bound` (`0` when `bound` is 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            return 0;
        }
        // Rejection sampling: no bias towards small values.
        let zone = u64::MAX - (u64::MAX % bound);
        loop {
            let x = self.next_u64();
            if x < zone {
                return x % bound;
            }
        }
    }

    /// An independent generator keyed from this one's stream.
    pub fn fork(&mut self) -> Random {
        let mut seed = [0u8; 32];
        self.fill(&mut seed);
        Random::from_seed(seed)
    }
}

fn quarter_round(s: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(16);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(12);
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(8);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(7);
}

/// The ChaCha20 block function of RFC 8439, section 2.3.
fn chacha20_block(key: &[u32; 8], counter: u32, nonce: &[u32; 3]) -> [u8; 64] {
    let mut state = [0u32; 16];
    state[..4].copy_from_slice(&[0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]);
    state[4..12].copy_from_slice(key);
    state[12] = counter;
    state[13..].copy_from_slice(nonce);
    let mut working = state;
    for _ in 0..10 {
        quarter_round(&mut working, 0, 4, 8, 12);
        quarter_round(&mut working, 1, 5, 9, 13);
        quarter_round(&mut working, 2, 6, 10, 14);
        quarter_round(&mut working, 3, 7, 11, 15);
        quarter_round(&mut working, 0, 5, 10, 15);
        quarter_round(&mut working, 1, 6, 11, 12);
        quarter_round(&mut working, 2, 7, 8, 13);
        quarter_round(&mut working, 3, 4, 9, 14);
    }
    let mut out = [0u8; 64];
    for (i, chunk) in out.chunks_exact_mut(4).enumerate() {
        chunk.copy_from_slice(&working[i].wrapping_add(state[i]).to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_block_function_matches_rfc_8439_section_2_3_2() {
        let mut key = [0u32; 8];
        for (i, word) in key.iter_mut().enumerate() {
            let b = (i * 4) as u8;
            *word = u32::from_le_bytes([b, b + 1, b + 2, b + 3]);
        }
        let nonce = [0x0900_0000, 0x4a00_0000, 0];
        let block = chacha20_block(&key, 1, &nonce);
        let expected_start = [0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f];
        let expected_end = [0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e];
        assert_eq!(block[..10], expected_start);
        assert_eq!(block[56..], expected_end[..]);
    }

    #[test]
    fn the_same_seed_gives_the_same_stream_and_another_seed_another() {
        let (mut a, mut b, mut c) = (
            Random::from_seed([7; 32]),
            Random::from_seed([7; 32]),
            Random::from_seed([8; 32]),
        );
        let (x, y, z) = (a.next_u64(), b.next_u64(), c.next_u64());
        assert_eq!(x, y);
        assert_ne!(x, z);
    }

    #[test]
    fn draws_below_a_bound_stay_below_it_and_cover_it() {
        let mut r = Random::from_seed([1; 32]);
        let mut seen = [false; 7];
        for _ in 0..1000 {
            let v = r.below(7);
            assert!(v < 7);
            seen[v as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
        assert_eq!(r.below(0), 0);
    }

    #[test]
    fn a_fork_is_independent_of_its_parent() {
        let mut parent = Random::from_seed([3; 32]);
        let mut child = parent.fork();
        assert_ne!(parent.next_u64(), child.next_u64());
    }

    #[test]
    fn the_debug_form_never_shows_the_key() {
        assert_eq!(format!("{:?}", Random::from_seed([9; 32])), "Random { .. }");
    }
}
