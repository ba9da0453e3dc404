// The benchmark page for the official JS client, @nats-io/nats-core v3 over WebSocket.
// Protocol and workloads: page.js and README.md beside this file.
import { Empty, RequestError, wsconnect } from "@nats-io/nats-core";
import { BIG_BYTES, WARMUP, runPage } from "./page.js";

const connect = (servers) => wsconnect({ servers });

// The NATS by Example request-reply program.
async function seed(servers) {
  const startMs = performance.now();
  const nc = await connect(servers);
  const connectedMs = performance.now();
  const sub = nc.subscribe("greet.*", {
    callback: (err, msg) => {
      if (err) return;
      msg.respond(`hello, ${msg.subject.substring(6)}`);
    },
  });
  let firstReplyMs;
  for (const name of ["joe", "sue", "bob"]) {
    const rep = await nc.request(`greet.${name}`, Empty, { timeout: 500 });
    firstReplyMs ??= performance.now();
    if (rep.string() !== `hello, ${name}`) throw new Error(`greet.${name} got "${rep.string()}"`);
  }
  await sub.drain();
  try {
    await nc.request("greet.joe", Empty, { timeout: 500 });
    throw new Error("greet.joe was answered after the responder drained");
  } catch (e) {
    if (!(e instanceof RequestError && e.isNoResponders())) throw e;
  }
  await nc.drain();
  return { start_ms: startMs, connected_ms: connectedMs, first_reply_ms: firstReplyMs, done_ms: performance.now() };
}

// A responder on `subject` answering `payload`, flushed; and a requester.
async function pair(servers, subject, payload) {
  const responder = await connect(servers);
  responder.subscribe(subject, { callback: (err, msg) => err || msg.respond(payload) });
  await responder.flush();
  const requester = await connect(servers);
  return { responder, requester };
}

async function closeAll(...conns) {
  await Promise.all(conns.map((nc) => nc.close()));
}

async function seq(servers, n) {
  const { responder, requester } = await pair(servers, "bench.echo", Empty);
  const opts = { timeout: 5000 };
  for (let i = 0; i < WARMUP; i++) await requester.request("bench.echo", Empty, opts);
  const latencies = new Array(n);
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await requester.request("bench.echo", Empty, opts);
    latencies[i] = performance.now() - t;
  }
  const total = performance.now() - start;
  await closeAll(requester, responder);
  return { latencies_ms: latencies, total_ms: total };
}

async function inflight(servers, n) {
  const { responder, requester } = await pair(servers, "bench.echo", Empty);
  const opts = { timeout: 5000 };
  let sent = 0;
  const worker = async () => {
    while (sent < n) {
      sent++;
      await requester.request("bench.echo", Empty, opts);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(100, n) }, worker));
  const total = performance.now() - start;
  await closeAll(requester, responder);
  return { n, total_ms: total };
}

async function pubsub(servers, n) {
  const subscriber = await connect(servers);
  let received = 0;
  let allReceived;
  const done = new Promise((resolve) => (allReceived = resolve));
  subscriber.subscribe("bench.pub", {
    callback: () => {
      if (++received === n) allReceived();
    },
  });
  await subscriber.flush();
  const publisher = await connect(servers);
  const payload = new TextEncoder().encode("0123456789abcdef"); // 16 bytes
  const start = performance.now();
  for (let i = 0; i < n; i++) publisher.publish("bench.pub", payload);
  await publisher.flush();
  const publishMs = performance.now() - start;
  await done;
  const receiveMs = performance.now() - start;
  await closeAll(publisher, subscriber);
  return { n, publish_ms: publishMs, receive_ms: receiveMs };
}

async function big(servers, n) {
  const payload = new Uint8Array(BIG_BYTES);
  for (let i = 0; i < payload.length; i++) payload[i] = i & 0xff;
  const { responder, requester } = await pair(servers, "bench.big", payload);
  const opts = { timeout: 5000 };
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const rep = await requester.request("bench.big", Empty, opts);
    if (rep.data.length !== BIG_BYTES) throw new Error(`reply ${i} has ${rep.data.length} bytes, not ${BIG_BYTES}`);
  }
  const total = performance.now() - start;
  await closeAll(requester, responder);
  return { n, bytes: BIG_BYTES, total_ms: total };
}

runPage({ seed, seq, inflight, pubsub, big });
