//! What the sans-IO core leaves to its owner: the clock and the random seed, from the browser.

use nats_core::Instant;

/// Now, on the page's monotonic clock (`performance.now()`, in pages and workers alike).
pub(crate) fn now() -> Instant {
    thread_local! {
        static ORIGIN: web_time::Instant = web_time::Instant::now();
    }
    let origin = ORIGIN.with(|origin| *origin);
    Instant::from_since_origin(web_time::Instant::now().saturating_duration_since(origin))
}

/// The wall clock: the time since 1970 (`Date.now()`), for the expiry of user JWTs.
pub(crate) fn wall_clock() -> std::time::Duration {
    web_time::SystemTime::now()
        .duration_since(web_time::UNIX_EPOCH)
        .unwrap_or_default()
}

/// A seed for the core's generator, from `crypto.getRandomValues`.
pub(crate) fn random_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    if !fill_from_platform(&mut seed) {
        // No random source (never seen in a browser that runs wasm): the time, so that
        // inboxes stay distinct, if predictable.
        let nanos = web_time::SystemTime::now()
            .duration_since(web_time::UNIX_EPOCH)
            .map_or(0x9E37_79B9_7F4A_7C15, |d| d.as_nanos() as u64);
        let mut x = nanos ^ now().since_origin().as_nanos() as u64 | 1;
        for b in &mut seed {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
    }
    seed
}

/// `crypto.getRandomValues`, called directly: getrandom's browser support also probes for
/// Node.js, which puts six more imports into every page's JavaScript.
#[cfg(target_arch = "wasm32")]
fn fill_from_platform(buf: &mut [u8]) -> bool {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        /// `globalThis.crypto.getRandomValues`, in pages and workers alike.
        #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
        fn get_random_values(buf: &mut [u8]) -> Result<JsValue, JsValue>;
    }
    get_random_values(buf).is_ok()
}

/// Natively (docs, lints): std's hasher keys, which the operating system's source seeds.
#[cfg(not(target_arch = "wasm32"))]
fn fill_from_platform(buf: &mut [u8]) -> bool {
    use std::hash::{BuildHasher, Hasher};
    for (i, chunk) in buf.chunks_mut(8).enumerate() {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_usize(i);
        let bytes = hasher.finish().to_le_bytes();
        for (b, r) in chunk.iter_mut().zip(bytes) {
            *b = r;
        }
    }
    true
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    #[test]
    fn the_browser_crypto_source_gives_distinct_seeds() {
        let (a, b) = (random_seed(), random_seed());
        assert_ne!(a, b);
        assert_ne!(a, [0u8; 32]);
    }

    #[test]
    fn the_clock_moves_forward() {
        let a = now();
        let mut spin = 0u64;
        while now() == a && spin < 10_000_000 {
            spin += 1;
        }
        assert!(now() >= a);
    }
}
