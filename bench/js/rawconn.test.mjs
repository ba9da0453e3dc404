// The raw floor's protocol code against a stand-in WebSocket: `node --test bench/js/`.
import assert from "node:assert/strict";
import test from "node:test";

const sockets = [];
globalThis.WebSocket = class {
  constructor(url) {
    this.url = url;
    this.readyState = 1;
    this.sent = [];
    sockets.push(this);
  }
  send(view) {
    this.sent.push(Buffer.from(view).toString("latin1")); // a copy, as a browser makes
  }
  close() {
    this.readyState = 3;
    queueMicrotask(() => this.onclose({ code: 1000 }));
  }
  feed(text) {
    const b = Buffer.from(text, "latin1");
    this.onmessage({ data: b.buffer.slice(b.byteOffset, b.byteOffset + b.length) });
  }
  take() {
    const all = this.sent.join("");
    this.sent = [];
    return all;
  }
};
const { Conn } = await import("./rawconn.js");
const tick = () => new Promise((r) => setTimeout(r, 0));
const latin1 = (view) => Buffer.from(view).toString("latin1");

async function connected(opts) {
  const p = Conn.connect("ws://test", opts);
  const ws = sockets.at(-1);
  ws.feed('INFO {"server_id":"x","max_payload":1048576,"headers":true}\r\n');
  await tick();
  const hello = ws.take();
  ws.feed("PONG\r\n");
  const nc = await p;
  return { nc, ws, hello };
}

// A seeded xorshift, so a failure can be replayed.
function rng(seed) {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

test("handshake: CONNECT and PING after INFO, connected on PONG", async () => {
  const { hello } = await connected({ headers: false });
  assert.equal(
    hello,
    'CONNECT {"verbose":false,"pedantic":false,"protocol":1,"headers":false,"no_responders":false}\r\nPING\r\n',
  );
});

test("MSG, HMSG, PING and +OK in any split, payloads containing protocol text", async () => {
  for (const seed of [1, 2, 3, 42, 1234]) {
    const rand = rng(seed);
    const { nc, ws } = await connected();
    const got = [];
    const sid = nc.subscribe("s.>", (subject, reply, data, hdr) =>
      got.push([latin1(subject), reply && latin1(reply), latin1(data), hdr && latin1(hdr)]),
    );
    await tick();
    assert.equal(ws.take(), `SUB s.> ${sid}\r\n`);
    const want = [];
    let stream = "";
    let pings = 0;
    for (let i = 0; i < 300; i++) {
      const size = [0, 1, 2, 16, 4095, 4096, 4097, 70000][rand(8)];
      let data = "";
      const alphabet = "MSG \r\n+OKPING\x00\xff";
      for (let j = 0; j < size; j++) data += alphabet[rand(alphabet.length)];
      const subject = `s.${i}`;
      const reply = rand(2) ? `_INBOX.r.${i}` : null;
      if (rand(4) === 0) {
        const hdr = `NATS/1.0\r\nK: ${i}\r\n\r\n`;
        stream += `HMSG ${subject} ${sid}${reply ? ` ${reply}` : ""} ${hdr.length} ${hdr.length + data.length}\r\n${hdr}${data}\r\n`;
        want.push([subject, reply, data, hdr]);
      } else {
        stream += `MSG ${subject} ${sid}${reply ? ` ${reply}` : ""} ${data.length}\r\n${data}\r\n`;
        want.push([subject, reply, data, null]);
      }
      if (rand(5) === 0) {
        stream += "PING\r\n";
        pings++;
      }
      if (rand(7) === 0) stream += "+OK\r\n";
    }
    for (let pos = 0; pos < stream.length; ) {
      const n = 1 + rand([3, 100, 4096, 20000][rand(4)]);
      ws.feed(stream.slice(pos, pos + n));
      pos += n;
    }
    await tick();
    assert.equal(got.length, want.length, `seed ${seed}`);
    for (let i = 0; i < want.length; i++) assert.deepEqual(got[i], want[i], `seed ${seed}, message ${i}`);
    assert.equal(ws.take(), "PONG\r\n".repeat(pings));
  }
});

test("publish writes PUB lines, batched into one send per tick", async () => {
  const { nc, ws } = await connected();
  const enc = new TextEncoder();
  nc.publish(enc.encode("a.b"), null, new Uint8Array(0));
  nc.publish(enc.encode("a.b"), enc.encode("r.1"), enc.encode("hello"));
  nc.publish(enc.encode("c"), null, new Uint8Array(100000));
  await tick();
  assert.equal(ws.sent.length, 1);
  assert.equal(ws.take(), `PUB a.b 0\r\n\r\nPUB a.b r.1 5\r\nhello\r\nPUB c 100000\r\n${"\0".repeat(100000)}\r\n`);
});

test("request: reply by token, 503 no responders, timeout", async () => {
  const { nc, ws } = await connected({ headers: true });
  const p1 = nc.request("svc", new TextEncoder().encode("q"), 1000);
  const p2 = nc.request("svc", new Uint8Array(0), 1000);
  await tick();
  const sent = ws.take();
  const m = /^SUB (_INBOX\.[0-9a-f]+\.)\* (\d+)\r\nPUB svc \1(\d+) 1\r\nq\r\nPUB svc \1(\d+) 0\r\n\r\n$/.exec(sent);
  assert.ok(m, sent);
  const [, inbox, sid, t1, t2] = m;
  ws.feed(`HMSG ${inbox}${t2} ${sid} 16 16\r\nNATS/1.0 503\r\n\r\n\r\n`);
  ws.feed(`MSG ${inbox}${t1} ${sid} 3\r\nyes\r\n`);
  assert.equal(latin1((await p1).data), "yes");
  await assert.rejects(p2, (e) => e.noResponders === true);
  await assert.rejects(nc.request("svc", new Uint8Array(0), 5), /timed out after 5 ms/);
});

test("close rejects what is pending", async () => {
  const { nc } = await connected();
  const req = nc.request("svc", new Uint8Array(0), 1000);
  const flushed = nc.flush();
  nc.close();
  await assert.rejects(req, /connection closed/);
  await assert.rejects(flushed, /connection closed/);
});
