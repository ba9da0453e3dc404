//! Publishes given while not connected, kept encoded (one buffer for all of them) until the
//! next handshake is done. Each entry remembers the request it belongs to, so a request that
//! fails takes its bytes out with it: a request reported failed never reaches the wire later.

use std::collections::VecDeque;

/// One held publish: where its bytes end in the buffer, and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    /// Bytes of the encoded op.
    len: usize,
    /// Headers plus payload, as `max_payload` counts them.
    size: usize,
    /// The request it carries, if it is one.
    request: Option<u64>,
    /// It is an `HPUB`.
    headers: bool,
}

/// The held publishes, oldest first.
#[derive(Debug, Clone, Default)]
pub(super) struct HeldPublishes {
    bytes: Vec<u8>,
    entries: VecDeque<Entry>,
}

/// A held publish that [`HeldPublishes::release`] did not send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Refused {
    /// Its subject.
    pub subject: String,
    /// Headers plus payload.
    pub size: usize,
    /// The request it carried, if any.
    pub request: Option<u64>,
}

impl HeldPublishes {
    /// Bytes held.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Publishes held.
    pub fn count(&self) -> usize {
        self.entries.len()
    }

    /// The buffer to encode the next publish into; [`HeldPublishes::commit`] or
    /// [`HeldPublishes::rollback`] must follow with the length it had before.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    /// Records the op encoded at `before..` as one entry (an `HPUB` if `headers`).
    pub fn commit(&mut self, before: usize, size: usize, request: Option<u64>, headers: bool) {
        let len = self.bytes.len() - before;
        self.entries.push_back(Entry {
            len,
            size,
            request,
            headers,
        });
    }

    /// Drops what was encoded at `before..` (it did not fit).
    pub fn rollback(&mut self, before: usize) {
        self.bytes.truncate(before);
    }

    /// Removes every held publish of a request for which `failed` is true, keeping the others
    /// in order.
    pub fn remove_requests(&mut self, mut failed: impl FnMut(u64) -> bool) {
        if !self
            .entries
            .iter()
            .any(|e| e.request.is_some_and(&mut failed))
        {
            return;
        }
        let mut read = 0;
        let mut write = 0;
        self.entries.retain(|e| {
            let start = read;
            read += e.len;
            if e.request.is_some_and(&mut failed) {
                return false;
            }
            self.bytes.copy_within(start..read, write);
            write += e.len;
            true
        });
        self.bytes.truncate(write);
    }

    /// Moves every held publish the next server takes onto `out`, in order: at most
    /// `max_payload` bytes, and without headers unless `headers` (the server's INFO). Returns
    /// the others (the server would close the connection for them).
    pub fn release(
        &mut self,
        out: &mut Vec<u8>,
        max_payload: usize,
        headers: bool,
    ) -> Vec<Refused> {
        let fits = |e: &Entry| e.size <= max_payload && (headers || !e.headers);
        let mut refused = Vec::new();
        if self.entries.iter().all(fits) {
            out.append(&mut self.bytes);
        } else {
            let mut start = 0;
            for e in &self.entries {
                let op = self.bytes.get(start..start + e.len).unwrap_or_default();
                start += e.len;
                if fits(e) {
                    out.extend_from_slice(op);
                } else {
                    refused.push(Refused {
                        subject: subject_of(op),
                        size: e.size,
                        request: e.request,
                    });
                }
            }
            self.bytes.clear();
        }
        self.entries.clear();
        refused
    }

    /// Forgets everything held.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.entries.clear();
    }
}

/// The subject of an encoded `PUB`/`HPUB`: its second word.
fn subject_of(op: &[u8]) -> String {
    let line = op.split(|b| *b == b'\r').next().unwrap_or_default();
    let subject = line.split(|b| *b == b' ').nth(1).unwrap_or_default();
    String::from_utf8_lossy(subject).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn hold(held: &mut HeldPublishes, op: &str, size: usize, request: Option<u64>) {
        let before = held.len();
        held.buffer().extend_from_slice(op.as_bytes());
        held.commit(before, size, request, op.starts_with("HPUB"));
    }

    #[test]
    fn failed_requests_leave_and_the_rest_keep_their_order() {
        let mut held = HeldPublishes::default();
        hold(&mut held, "PUB a 1\r\n1\r\n", 1, None);
        hold(&mut held, "PUB r1 _I.1 0\r\n\r\n", 0, Some(1));
        hold(&mut held, "PUB b 1\r\n2\r\n", 1, None);
        hold(&mut held, "PUB r2 _I.2 0\r\n\r\n", 0, Some(2));
        held.remove_requests(|id| id == 1);
        let mut out = Vec::new();
        assert!(held.release(&mut out, 10, true).is_empty());
        assert_eq!(
            out,
            b"PUB a 1\r\n1\r\nPUB b 1\r\n2\r\nPUB r2 _I.2 0\r\n\r\n"
        );
        assert_eq!(held.len(), 0);
    }

    #[test]
    fn publishes_over_the_new_limit_are_refused_by_subject_and_the_rest_go_out_in_order() {
        let mut held = HeldPublishes::default();
        hold(&mut held, "PUB a 1\r\n1\r\n", 1, None);
        hold(
            &mut held,
            "HPUB big 12 14\r\nNATS/1.0\r\n\r\nhi\r\n",
            14,
            Some(7),
        );
        hold(&mut held, "PUB b 1\r\n2\r\n", 1, None);
        let mut out = Vec::new();
        let refused = held.release(&mut out, 4, true);
        assert_eq!(out, b"PUB a 1\r\n1\r\nPUB b 1\r\n2\r\n");
        assert_eq!(
            refused,
            [Refused {
                subject: "big".into(),
                size: 14,
                request: Some(7)
            }]
        );
    }
}
