// The raw-WebSocket floor's client: the NATS client protocol written by hand over
// `new WebSocket(url)`, with only what the workloads need. Minimal but careful: one reusable
// outgoing buffer sent once per tick (microtask), incoming frames parsed in place when they hold
// whole operations and otherwise through one reusable buffer, MSG payloads handed to
// subscriptions as views (no copies), no string building for binary data.

const CR = 13;
const LF = 10;
const SP = 32;
const TAB = 9;
const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s) => enc.encode(s);
const PONG = bytes("PONG\r\n");
const PING = bytes("PING\r\n");
const PUB = bytes("PUB ");
const CRLF = bytes("\r\n");
const ZERO_PAYLOAD = bytes(" 0\r\n\r\n");

export class Conn {
  // Connects, waits for INFO, sends CONNECT and PING, and resolves on the PONG.
  static connect(url, { headers = false } = {}) {
    return new Promise((resolve, reject) => new Conn(url, headers, resolve, reject));
  }

  constructor(url, headers, resolve, reject) {
    this.headers = headers;
    this.out = new Uint8Array(64 * 1024);
    this.olen = 0;
    this.scheduled = false;
    this.in = new Uint8Array(64 * 1024); // incomplete operations carried across frames
    this.ipos = 0;
    this.ilen = 0;
    this.need = 0; // bytes (from ipos) the pending MSG needs; 0 when unknown
    this.args = new Int32Array(12); // token boundaries of a MSG/HMSG line
    this.subs = []; // sid -> callback(subject, reply, data, hdr), views valid during the call
    this.nextSid = 1;
    this.pongs = [{ resolve, reject }]; // the first PONG completes the handshake
    this.info = null;
    this.error = null;
    this.requests = new Map(); // token -> {resolve, reject, timer}
    this.nextToken = 1;
    this.inbox = null; // bytes of "_INBOX.<random>."
    this.subjects = new Map(); // subject string -> bytes
    this.flushOut = () => {
      this.scheduled = false;
      if (this.olen > 0 && this.ws.readyState === 1) {
        this.ws.send(this.out.subarray(0, this.olen)); // send copies; the buffer is reused
        this.olen = 0;
      }
    };
    this.closed = new Promise((r) => (this.onClosed = r));
    const ws = (this.ws = new WebSocket(url));
    ws.binaryType = "arraybuffer";
    ws.onmessage = (ev) => this.onData(new Uint8Array(ev.data));
    ws.onclose = (ev) => this.fail(this.error || new Error(`connection closed (${ev.code})`));
    ws.onerror = () => (this.error ||= new Error(`websocket error on ${url}`));
  }

  fail(err) {
    for (const p of this.pongs || []) p.reject(err);
    this.pongs = null;
    for (const r of this.requests.values()) {
      clearTimeout(r.timer);
      r.reject(err);
    }
    this.requests.clear();
    this.onClosed();
  }

  // --- writing -------------------------------------------------------------------------------

  reserve(n) {
    if (this.olen + n > this.out.length) {
      const grown = new Uint8Array(Math.max(this.out.length * 2, this.olen + n));
      grown.set(this.out.subarray(0, this.olen));
      this.out = grown;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flushOut);
    }
  }

  put(b) {
    this.out.set(b, this.olen);
    this.olen += b.length;
  }

  putString(s) {
    // ASCII protocol text (subjects, numbers): reserve() counted one byte per char.
    this.olen += enc.encodeInto(s, this.out.subarray(this.olen)).written;
  }

  putInt(v) {
    if (v === 0) {
      this.out[this.olen++] = 48;
      return;
    }
    let digits = 0;
    for (let x = v; x > 0; x = Math.floor(x / 10)) digits++;
    let i = this.olen + digits;
    this.olen = i;
    for (let x = v; x > 0; x = Math.floor(x / 10)) this.out[--i] = 48 + (x % 10);
  }

  // PUB <subject> [reply] <len>\r\n<data>\r\n; subject and reply as bytes.
  publish(subject, reply, data) {
    this.reserve(4 + subject.length + (reply ? reply.length + 1 : 0) + 1 + 10 + 2 + data.length + 2);
    this.put(PUB);
    this.put(subject);
    if (reply) {
      this.out[this.olen++] = SP;
      this.put(reply);
    }
    if (data.length === 0) {
      this.put(ZERO_PAYLOAD);
      return;
    }
    this.out[this.olen++] = SP;
    this.putInt(data.length);
    this.put(CRLF);
    this.put(data);
    this.put(CRLF);
  }

  subscribe(subject, callback) {
    const sid = this.nextSid++;
    this.subs[sid] = callback;
    const line = `SUB ${subject} ${sid}\r\n`;
    this.reserve(line.length);
    this.putString(line);
    return sid;
  }

  unsubscribe(sid) {
    delete this.subs[sid];
    const line = `UNSUB ${sid}\r\n`;
    this.reserve(line.length);
    this.putString(line);
  }

  flush() {
    return new Promise((resolve, reject) => {
      if (this.pongs === null) return reject(this.error || new Error("connection closed"));
      this.reserve(PING.length);
      this.put(PING);
      this.pongs.push({ resolve, reject });
    });
  }

  subjectBytes(s) {
    let b = this.subjects.get(s);
    if (!b) this.subjects.set(s, (b = bytes(s)));
    return b;
  }

  // Request-reply over one wildcard inbox subscription; the reply subject's last token says
  // which request it answers. Resolves with { data } (a copy), rejects on timeout, on a 503
  // no-responders status (with headers on) and on close.
  request(subject, data, timeoutMs) {
    if (this.inbox === null) {
      const prefix = `_INBOX.${crypto.randomUUID().replaceAll("-", "")}.`;
      this.inbox = bytes(prefix);
      this.subscribe(`${prefix}*`, (subj, _reply, payload, hdr) => this.onReply(subj, payload, hdr));
    }
    const token = this.nextToken++;
    const subj = this.subjectBytes(subject);
    const inbox = this.inbox;
    this.reserve(4 + subj.length + 1 + inbox.length + 16 + 1 + 10 + 2 + data.length + 2);
    this.put(PUB);
    this.put(subj);
    this.out[this.olen++] = SP;
    this.put(inbox);
    this.putInt(token);
    this.out[this.olen++] = SP;
    this.putInt(data.length);
    this.put(CRLF);
    this.put(data);
    this.put(CRLF);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.requests.delete(token);
        reject(new Error(`request to ${subject} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.requests.set(token, { resolve, reject, timer, subject });
    });
  }

  onReply(subj, payload, hdr) {
    let token = 0;
    for (let i = this.inbox.length; i < subj.length; i++) token = token * 10 + subj[i] - 48;
    const r = this.requests.get(token);
    if (!r) return;
    this.requests.delete(token);
    clearTimeout(r.timer);
    // "NATS/1.0 503" with no payload: the server's no-responders status.
    if (hdr && payload.length === 0 && hdr[9] === 53 && hdr[10] === 48 && hdr[11] === 51) {
      const err = new Error(`no responders: ${r.subject}`);
      err.noResponders = true;
      r.reject(err);
    } else {
      r.resolve({ data: payload.slice() });
    }
  }

  // Unsubscribes everything, waits for the server to have handled it, and closes.
  async drain() {
    for (const sid of Object.keys(this.subs)) this.unsubscribe(Number(sid));
    await this.flush();
    this.close();
    await this.closed;
  }

  close() {
    this.flushOut();
    this.ws.close();
  }

  // --- reading -------------------------------------------------------------------------------

  onData(chunk) {
    if (this.ipos === this.ilen) {
      // Nothing carried over: parse the frame where it is; keep only an incomplete tail.
      const used = this.parse(chunk, 0, chunk.length);
      this.ipos = this.ilen = 0;
      if (used < chunk.length) this.append(chunk.subarray(used));
      return;
    }
    this.append(chunk);
    if (this.need > this.ilen - this.ipos) return; // a payload still arriving: don't rescan
    this.ipos = this.parse(this.in, this.ipos, this.ilen);
    if (this.ipos === this.ilen) this.ipos = this.ilen = 0;
  }

  append(b) {
    if (this.ilen + b.length > this.in.length) {
      const kept = this.ilen - this.ipos;
      if (kept + b.length <= this.in.length) {
        this.in.copyWithin(0, this.ipos, this.ilen);
      } else {
        const grown = new Uint8Array(Math.max(this.in.length * 2, kept + b.length));
        grown.set(this.in.subarray(this.ipos, this.ilen));
        this.in = grown;
      }
      this.ipos = 0;
      this.ilen = kept;
    }
    this.in.set(b, this.ilen);
    this.ilen += b.length;
  }

  // Handles every complete operation in buf[pos, end); returns where the first incomplete one
  // starts (end if none). Sets this.need when a MSG's payload is not all there yet.
  parse(buf, pos, end) {
    this.need = 0;
    while (pos < end) {
      const lf = buf.indexOf(LF, pos);
      if (lf < 0 || lf >= end) break;
      const c = buf[pos] | 0x20; // lower case
      if (c === 109 /* m */ || c === 104 /* h */) {
        const next = this.onMsg(buf, pos, lf, end, c === 104);
        if (next < 0) {
          this.need = -next - pos;
          break;
        }
        pos = next;
        continue;
      }
      if (c === 112 /* p */) {
        if ((buf[pos + 1] | 0x20) === 105 /* PING */) {
          this.reserve(PONG.length);
          this.put(PONG);
        } else {
          const p = this.pongs && this.pongs.shift();
          if (p) p.resolve(this);
        }
      } else if (c === 105 /* INFO */) {
        this.onInfo(dec.decode(buf.subarray(pos + 5, lf - 1)));
      } else if (c === 45 /* -ERR */) {
        this.error = new Error(`server: ${dec.decode(buf.subarray(pos, lf - 1))}`);
        console.error(this.error.message);
      } // +OK: nothing to do
      pos = lf + 1;
    }
    return pos;
  }

  // MSG <subject> <sid> [reply] <#bytes> | HMSG <subject> <sid> [reply] <#hdr> <#total>.
  // Returns the position after the message, or -(its end) if its payload is incomplete.
  onMsg(buf, pos, lf, end, hasHeaders) {
    const a = this.args;
    let n = 0;
    let i = pos + (hasHeaders ? 5 : 4);
    const stop = buf[lf - 1] === CR ? lf - 1 : lf;
    while (i < stop && n < 12) {
      while (i < stop && (buf[i] === SP || buf[i] === TAB)) i++;
      if (i >= stop) break;
      a[n++] = i;
      while (i < stop && buf[i] !== SP && buf[i] !== TAB) i++;
      a[n++] = i;
    }
    const tokens = n >> 1;
    const withReply = tokens === (hasHeaders ? 5 : 4);
    const num = (t) => {
      let v = 0;
      for (let j = a[2 * t]; j < a[2 * t + 1]; j++) v = v * 10 + buf[j] - 48;
      return v;
    };
    const total = num(tokens - 1);
    const hdrLen = hasHeaders ? num(tokens - 2) : 0;
    const start = lf + 1;
    const after = start + total + 2;
    if (after > end) return -after;
    const cb = this.subs[num(1)];
    if (cb) {
      cb(
        buf.subarray(a[0], a[1]),
        withReply ? buf.subarray(a[4], a[5]) : null,
        buf.subarray(start + hdrLen, start + total),
        hasHeaders ? buf.subarray(start, start + hdrLen) : null,
      );
    }
    return after;
  }

  onInfo(json) {
    if (this.info !== null) return; // later INFOs (cluster updates) are not needed here
    this.info = JSON.parse(json);
    const connect = {
      verbose: false,
      pedantic: false,
      protocol: 1,
      headers: this.headers,
      no_responders: this.headers,
    };
    const line = `CONNECT ${JSON.stringify(connect)}\r\nPING\r\n`;
    this.reserve(line.length);
    this.putString(line);
  }
}

