//! NUIDs: the 22-character unique ids NATS uses for inboxes.
//!
//! A NUID is a 12-character random prefix followed by a 10-character sequence, both in base62.
//! The sequence starts at a random value and grows by a random step of 33..=332; when it would
//! pass 62^10 the prefix is drawn again. Randomness comes from the operating system natively and
//! from `crypto.getRandomValues` in the browser, through the seed of the [`Random`] the owner
//! passes in.

use crate::random::Random;

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
    random: Random,
    prefix: [u8; PREFIX_LEN],
    seq: u64,
    inc: u64,
}

impl Nuid {
    /// A generator with a prefix, start and step drawn from `random`.
    pub fn new(random: Random) -> Self {
        let mut nuid = Nuid {
            random,
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
        self.random.fill(&mut bytes);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn seed() -> [u8; 32] {
        use std::sync::atomic::{AtomicU8, Ordering};
        static NEXT: AtomicU8 = AtomicU8::new(0);
        [NEXT.fetch_add(1, Ordering::Relaxed); 32]
    }

    #[test]
    fn nuids_are_22_base62_characters() {
        let mut n = Nuid::new(Random::from_seed(seed()));
        let id = n.next();
        assert_eq!(id.len(), NUID_LEN);
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()), "{id}");
    }

    #[test]
    fn consecutive_nuids_share_the_prefix_and_are_distinct() {
        let mut n = Nuid::new(Random::from_seed(seed()));
        let ids: Vec<String> = (0..10_000).map(|_| n.next()).collect();
        assert!(ids
            .iter()
            .all(|id| id[..PREFIX_LEN] == ids[0][..PREFIX_LEN]));
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
    }

    #[test]
    fn two_generators_draw_different_prefixes() {
        assert_ne!(
            Nuid::new(Random::from_seed(seed())).next()[..PREFIX_LEN],
            Nuid::new(Random::from_seed(seed())).next()[..PREFIX_LEN]
        );
    }

    #[test]
    fn the_step_stays_within_the_nats_range() {
        for _ in 0..1000 {
            let n = Nuid::new(Random::from_seed(seed()));
            assert!((MIN_INC..MAX_INC).contains(&n.inc));
            assert!(n.seq < MAX_SEQ);
        }
    }

    #[test]
    fn passing_the_sequence_limit_draws_a_new_prefix() {
        let mut n = Nuid::new(Random::from_seed(seed()));
        let before = n.prefix;
        n.seq = MAX_SEQ - 1;
        let id = n.next();
        assert_ne!(before, n.prefix);
        assert!(n.seq < MAX_SEQ);
        assert_eq!(id.len(), NUID_LEN);
    }
}
