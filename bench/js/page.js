// The page protocol shared by every client page (nats-core, raw WebSocket, and our wasm client):
//
//   <page>.html?servers=ws://127.0.0.1:PORT[,ws://...]&workload=NAME&n=N
//
// runs ONE workload on load and writes its result as JSON into <pre id="result"> (textContent
// is set once, at the end); on failure the JSON is {"error": "..."}. All times come from
// performance.now(), in ms.

export const DEFAULT_N = {
  seed: 0,
  seq: 2000,
  inflight: 20000,
  pubsub: 200000,
  big: 200,
  kv_put: 2000,
  kv_put_pipelined: 20000,
  kv_get: 2000,
  kv_watch: 20000,
  kv_load: 10000,
};

export const BIG_BYTES = 262144; // 256 KiB
// seq: requests before the counted ones. V8 moves hot wasm (and JS) to its optimizing tier
// during the first few hundred requests; with 50, the wasm client's p99 measured that.
export const WARMUP = 500;

// The KV workloads (kv.js and src/bin/bench_kv.rs): every value is these 16 bytes; puts go to
// keys `k<i % KV_KEYSPACE>`; pipelined puts keep KV_IN_FLIGHT in flight; `kv_get` reads from a
// bucket of KV_GET_KEYS keys.
export const KV_VALUE = new TextEncoder().encode("0123456789abcdef");
export const KV_KEYSPACE = 1000;
export const KV_IN_FLIGHT = 100;
export const KV_GET_KEYS = 1000;

// Runs the workload named by the query with `workloads[name](servers, n)`.
export async function runPage(workloads) {
  let result;
  try {
    const q = new URLSearchParams(location.search);
    const servers = (q.get("servers") || "").split(",").map((s) => s.trim()).filter(Boolean);
    if (servers.length === 0) throw new Error("missing ?servers=ws://host:port");
    const name = q.get("workload") || "";
    const run = Object.hasOwn(workloads, name) ? workloads[name] : undefined;
    if (!run) {
      throw new Error(`unknown workload "${name}"; this page runs ${Object.keys(workloads).join(", ")}`);
    }
    let n = DEFAULT_N[name];
    if (q.has("n")) {
      n = Number(q.get("n"));
      if (!Number.isSafeInteger(n) || n < 1) throw new Error(`n must be a positive integer, got "${q.get("n")}"`);
    }
    result = await run(servers, n);
  } catch (e) {
    console.error(e);
    result = { error: describe(e) };
  }
  document.getElementById("result").textContent = JSON.stringify(result);
}

// "Name: message (cause: ...)", for errors that carry their detail in a cause.
function describe(e) {
  let text = String(e);
  for (let c = e && e.cause, depth = 0; c && depth < 3; c = c.cause, depth++) text += ` (cause: ${c})`;
  return text;
}
