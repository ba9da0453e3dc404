//! The readers of ADR-32 discovery answers (`$SRV.PING|INFO|STATS`), which read whatever any
//! peer on the server sends: `read_ping`, `read_info` and `read_stats` on arbitrary bytes.
//! Checked beyond "no panic": whatever a reader accepts, our writer writes back into a document
//! the same reader reads to the same value (what we show of a peer's service is what it sent,
//! and our own answers read back unchanged).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nats_core::service::{read_info, read_ping, read_stats, write_info, write_ping, write_stats};

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    if let Ok(ping) = read_ping(data) {
        write_ping(&ping, &mut out);
        assert_eq!(read_ping(&out).as_ref(), Ok(&ping), "ping round trip");
    }
    if let Ok(info) = read_info(data) {
        out.clear();
        write_info(&info, &mut out);
        assert_eq!(read_info(&out).as_ref(), Ok(&info), "info round trip");
    }
    if let Ok(stats) = read_stats(data) {
        out.clear();
        write_stats(&stats, &mut out);
        assert_eq!(read_stats(&out).as_ref(), Ok(&stats), "stats round trip");
    }
});
