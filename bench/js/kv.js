// The Key-Value benchmark page for the official JS clients: @nats-io/kv 3.4.0 (Kvm, over
// @nats-io/jetstream 3.4.0) on @nats-io/nats-core's wsconnect. Protocol and workloads: page.js
// and README.md beside this file; our wasm client's page (src/bin/bench_kv.rs) runs the same.
import { wsconnect } from "@nats-io/nats-core";
import { Kvm, KvWatchInclude } from "@nats-io/kv";
import { KV_GET_KEYS, KV_IN_FLIGHT, KV_KEYSPACE, KV_VALUE, WARMUP, runPage } from "./page.js";

const connect = (servers) => wsconnect({ servers });

// A bucket of its own for each page load (history 1, file storage: the defaults), on `nc`.
async function bucket(nc, workload) {
  const name = `bench_${workload}_${Date.now()}_${Math.floor(Math.random() * 1e9)}`;
  return new Kvm(nc).create(name, { history: 1 });
}

// `n` puts of key `k<i % KV_KEYSPACE>`, KV_IN_FLIGHT at a time (as `inflight`'s workers).
async function putPipelined(kv, n, keyspace = KV_KEYSPACE) {
  let sent = 0;
  const worker = async () => {
    while (sent < n) {
      const i = sent++;
      await kv.put(`k${i % keyspace}`, KV_VALUE);
    }
  };
  await Promise.all(Array.from({ length: Math.min(KV_IN_FLIGHT, n) }, worker));
}

// Puts awaited one by one.
async function kv_put(servers, n) {
  const nc = await connect(servers);
  const kv = await bucket(nc, "put");
  const latencies = new Array(n);
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await kv.put(`k${i % KV_KEYSPACE}`, KV_VALUE);
    latencies[i] = performance.now() - t;
  }
  const total = performance.now() - start;
  await kv.destroy();
  await nc.close();
  return { n, total_ms: total, latencies_ms: latencies };
}

// KV_IN_FLIGHT puts in flight at any time.
async function kv_put_pipelined(servers, n) {
  const nc = await connect(servers);
  const kv = await bucket(nc, "putp");
  const start = performance.now();
  await putPipelined(kv, n);
  const total = performance.now() - start;
  await kv.destroy();
  await nc.close();
  return { n, total_ms: total };
}

// Gets, one by one, from a bucket of KV_GET_KEYS keys (filled first, not timed).
async function kv_get(servers, n) {
  const nc = await connect(servers);
  const kv = await bucket(nc, "get");
  await putPipelined(kv, KV_GET_KEYS, KV_GET_KEYS);
  for (let i = 0; i < WARMUP; i++) await kv.get(`k${i % KV_GET_KEYS}`);
  const latencies = new Array(n);
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const key = `k${(i * 7919) % KV_GET_KEYS}`;
    const t = performance.now();
    const e = await kv.get(key);
    latencies[i] = performance.now() - t;
    if (!e || e.value.length !== KV_VALUE.length) throw new Error(`get ${key}: ${e && e.value.length} bytes`);
  }
  const total = performance.now() - start;
  await kv.destroy();
  await nc.close();
  return { n, total_ms: total, latencies_ms: latencies };
}

// A watcher (updates only) receiving `n` puts that another connection publishes to the
// bucket's subjects as fast as it can (plain publishes, then a flush), each to a key of its own:
// with history 1, a watcher that lags behind would otherwise see only the latest of a key's
// values, as KV promises, and never count `n`.
async function kv_watch(servers, n) {
  const watcherNc = await connect(servers);
  const kv = await bucket(watcherNc, "watch");
  const watch = await kv.watch({ include: KvWatchInclude.UpdatesOnly });
  const publisher = await connect(servers);
  const start = performance.now();
  const received = (async () => {
    let count = 0;
    for await (const e of watch) {
      if (e.value.length !== KV_VALUE.length) throw new Error(`watch: ${e.key} has ${e.value.length} bytes`);
      if (++count === n) break;
    }
    return performance.now() - start;
  })();
  for (let i = 0; i < n; i++) publisher.publish(`$KV.${kv.bucket}.k${i}`, KV_VALUE);
  await publisher.flush();
  const publishMs = performance.now() - start;
  const receiveMs = await received;
  watch.stop();
  await kv.destroy();
  await Promise.all([publisher.close(), watcherNc.close()]);
  return { n, publish_ms: publishMs, receive_ms: receiveMs };
}

// The initial values of an `n`-key bucket (filled first, not timed) through a watcher of
// every key, until it has all `n`.
async function kv_load(servers, n) {
  const nc = await connect(servers);
  const kv = await bucket(nc, "load");
  await putPipelined(kv, n, n);
  const start = performance.now();
  const watch = await kv.watch();
  let count = 0;
  for await (const e of watch) {
    if (e.value.length !== KV_VALUE.length) throw new Error(`load: ${e.key} has ${e.value.length} bytes`);
    if (++count === n) break;
  }
  const total = performance.now() - start;
  watch.stop();
  await kv.destroy();
  await nc.close();
  return { n, total_ms: total };
}

runPage({ kv_put, kv_put_pipelined, kv_get, kv_watch, kv_load });
