//! The ordered consumer's state machine (`nats_core::jetstream::ordered`) on any sequence of
//! deliveries (of this consumer or another, any sequences), heartbeats and statuses with any
//! headers, reply subjects of any shape, owner resets and recreates. Checked beyond "no
//! panic": the stream sequences it delivers strictly increase (none twice), and every reset
//! restarts right after the last one delivered.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nats_core::jetstream::ordered::{OrderedConsumer, OrderedOptions, ResetReason, Verdict};
use nats_core::jetstream::ConsumerInfo;
use nats_core::proto::{HeaderMap, StatusCode};

/// Reads the input as a script: one op byte, then what the op needs.
struct Script<'a>(&'a [u8]);

impl Script<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*first)
    }

    /// A small number, so that sequences meet: one byte.
    fn number(&mut self) -> u64 {
        u64::from(self.byte().unwrap_or(0))
    }

    /// A string of up to 32 bytes from the input.
    fn text(&mut self) -> String {
        let len = usize::from(self.byte().unwrap_or(0) % 33).min(self.0.len());
        let (text, rest) = self.0.split_at(len);
        self.0 = rest;
        String::from_utf8_lossy(text).into_owned()
    }
}

fuzz_target!(|data: &[u8]| {
    let mut script = Script(data);
    let Ok(mut ordered) = OrderedConsumer::new(OrderedOptions::new()) else {
        return;
    };
    let mut generation = 0u32;
    let mut name = String::from("c0");
    let mut inbox = String::from("_INBOX.c0");
    let _ = ordered.consumer_config(&inbox, &name, "2.10.0");
    let mut last: Option<u64> = None;
    while let Some(op) = script.byte() {
        let verdict = match op % 8 {
            0 | 1 => {
                let consumer = if op & 0x80 == 0 { name.clone() } else { "old".into() };
                let reply = format!(
                    "$JS.ACK.S.{consumer}.1.{}.{}.0.{}",
                    script.number(),
                    script.number(),
                    script.number()
                );
                ordered.on_message("s", Some(&reply), None)
            }
            2 => {
                let mut headers = HeaderMap::new();
                headers.set_status(StatusCode::IDLE_HEARTBEAT, Some("Idle Heartbeat".into()));
                let (c, s) = (script.number().to_string(), script.text());
                let _ = headers.append("Nats-Last-Consumer", c);
                let _ = headers.append("Nats-Last-Stream", s);
                if op & 0x40 != 0 {
                    let _ = headers.append("Nats-Consumer-Stalled", script.text());
                }
                ordered.on_message(&inbox, None, Some(&headers))
            }
            3 => {
                let code = [100, 404, 408, 409, 503][usize::from(op >> 5) % 5];
                let mut headers = HeaderMap::new();
                if let Some(status) = StatusCode::new(code) {
                    headers.set_status(status, Some(script.text()));
                }
                let reply = script.text();
                ordered.on_message(&inbox, (!reply.is_empty()).then_some(&reply), Some(&headers))
            }
            4 => {
                let reply = script.text();
                ordered.on_message("s", Some(&reply), None)
            }
            5 => {
                let reset = ordered.reset(ResetReason::MissedHeartbeat);
                Verdict::Reset(reset)
            }
            6 => {
                let mut info = ConsumerInfo::default();
                info.delivered.consumer_seq = script.number();
                info.delivered.stream_seq = script.number();
                info.num_pending = script.number();
                ordered.created(&info);
                Verdict::Skip
            }
            _ => {
                generation += 1;
                name = format!("c{generation}");
                inbox = format!("_INBOX.{name}");
                let _ = ordered.consumer_config(&inbox, &name, "2.10.0");
                Verdict::Skip
            }
        };
        match verdict {
            Verdict::Deliver(info) => {
                assert!(last.is_none_or(|l| info.stream_sequence > l), "in order, once");
                last = Some(info.stream_sequence);
            }
            Verdict::Reset(reset) => {
                if let Some(last) = last {
                    assert_eq!(reset.from_stream_seq, Some(last + 1), "right after the last");
                }
            }
            Verdict::Skip | Verdict::Respond(_) => {}
        }
    }
});
