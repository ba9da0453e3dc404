// The raw-WebSocket floor page (rawconn.js): seed, seq and big. Protocol: page.js and README.md.
import { BIG_BYTES, WARMUP, runPage } from "./page.js";
import { Conn } from "./rawconn.js";

const enc = new TextEncoder();
const dec = new TextDecoder();
const EMPTY = new Uint8Array(0);

const connect = (servers, opts) => Conn.connect(servers[0], opts);

// The NATS by Example request-reply program (headers on, for the no-responders status).
async function seed(servers) {
  const startMs = performance.now();
  const nc = await connect(servers, { headers: true });
  const connectedMs = performance.now();
  const sid = nc.subscribe("greet.*", (subject, reply, _data) => {
    if (!reply) return;
    const text = `hello, ${dec.decode(subject.subarray(6))}`;
    nc.publish(reply, null, enc.encode(text));
  });
  let firstReplyMs;
  for (const name of ["joe", "sue", "bob"]) {
    const rep = await nc.request(`greet.${name}`, EMPTY, 500);
    firstReplyMs ??= performance.now();
    const text = dec.decode(rep.data);
    if (text !== `hello, ${name}`) throw new Error(`greet.${name} got "${text}"`);
  }
  nc.unsubscribe(sid); // drain the subscription: UNSUB, then a round trip
  await nc.flush();
  try {
    await nc.request("greet.joe", EMPTY, 500);
    throw new Error("greet.joe was answered after the responder drained");
  } catch (e) {
    if (!e.noResponders) throw e;
  }
  await nc.drain();
  return { start_ms: startMs, connected_ms: connectedMs, first_reply_ms: firstReplyMs, done_ms: performance.now() };
}

async function pair(servers, subject, payload) {
  const responder = await connect(servers);
  responder.subscribe(subject, (_subject, reply) => reply && responder.publish(reply, null, payload));
  await responder.flush();
  const requester = await connect(servers);
  return { responder, requester };
}

function closeAll(...conns) {
  return Promise.all(conns.map((c) => (c.close(), c.closed)));
}

async function seq(servers, n) {
  const { responder, requester } = await pair(servers, "bench.echo", EMPTY);
  for (let i = 0; i < WARMUP; i++) await requester.request("bench.echo", EMPTY, 5000);
  const latencies = new Array(n);
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await requester.request("bench.echo", EMPTY, 5000);
    latencies[i] = performance.now() - t;
  }
  const total = performance.now() - start;
  await closeAll(requester, responder);
  return { latencies_ms: latencies, total_ms: total };
}

async function big(servers, n) {
  const payload = new Uint8Array(BIG_BYTES);
  for (let i = 0; i < payload.length; i++) payload[i] = i & 0xff;
  const { responder, requester } = await pair(servers, "bench.big", payload);
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const rep = await requester.request("bench.big", EMPTY, 5000);
    if (rep.data.length !== BIG_BYTES) throw new Error(`reply ${i} has ${rep.data.length} bytes, not ${BIG_BYTES}`);
  }
  const total = performance.now() - start;
  await closeAll(requester, responder);
  return { n, bytes: BIG_BYTES, total_ms: total };
}

runPage({ seed, seq, big });
