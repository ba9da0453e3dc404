#!/usr/bin/env python3
"""Runs the browser benchmark: this client (wasm), @nats-io/nats-core and a raw-WebSocket
floor, the same workloads, alternating, in one headless Chromium against one nats-server.

Each client is a page (`target/bench/ours/`, `bench/dist/natscore.html`, `bench/dist/raw.html`)
that runs one workload named in its query and writes JSON into `<pre id="result">`. The Key-Value
workloads (`kv_*`) run on pages of their own: `target/bench/ours-kv/` (our `Store`) against
`bench/dist/kv.html` (@nats-io/kv 3.4.0), in the "ours" and "nats-core" columns; their rows say
whether the targets are met (rates at least 1.5x @nats-io/kv's, latencies no higher). This
script serves them, opens each in turn for every run, and prints medians with min..max and
the ratio ours / theirs. scripts/bench.sh builds everything and starts the server first.
"""

import argparse
import gzip
import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402  (the WebDriver client and static server of the end-to-end check)

PAGES = {"ours": "ours/index.html", "nats-core": "js/natscore.html", "raw": "js/raw.html"}
KV_PAGES = {"ours": "ours-kv/index.html", "nats-core": "js/kv.html"}
# The KV targets: ours / @nats-io/kv at least this for rates, at most this for latencies.
KV_RATE_TARGET = 1.5
KV_LATENCY_TARGET = 1.0
# A seed load takes a fraction of a second, and its times are mostly the browser's own page load
# and WebSocket handshake, which vary by several ms from load to load: take more of them.
SEED_LOADS_PER_RUN = 4

WORKLOADS = [  # (workload, n, clients)
    ("seed", None, ["ours", "nats-core"]),
    ("seq", 2000, ["ours", "nats-core", "raw"]),
    ("inflight", 20000, ["ours", "nats-core"]),
    ("pubsub", 200000, ["ours", "nats-core"]),
    ("big", 200, ["ours", "nats-core", "raw"]),
    ("kv_put", 2000, ["ours", "nats-core"]),
    ("kv_put_pipelined", 20000, ["ours", "nats-core"]),
    ("kv_get", 2000, ["ours", "nats-core"]),
    ("kv_watch", 20000, ["ours", "nats-core"]),
    ("kv_load", 10000, ["ours", "nats-core"]),
]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def metrics(workload, r):
    """The numbers one result stands for: name -> (value, unit, higher_is_better)."""
    if workload == "seed":
        # From navigation: the page's code starts, it is connected, the first reply, the end.
        return {
            "code starts": (r["start_ms"], "ms", False),
            "connected": (r["connected_ms"], "ms", False),
            "first reply": (r["first_reply_ms"], "ms", False),
            "scenario done": (r["done_ms"], "ms", False),
        }
    if workload == "seq":
        lat = r["latencies_ms"]
        return {
            "p50": (percentile(lat, 50), "ms", False),
            "p90": (percentile(lat, 90), "ms", False),
            "p99": (percentile(lat, 99), "ms", False),
            "rate": (len(lat) / r["total_ms"] * 1000, "req/s", True),
        }
    if workload == "inflight":
        return {"rate": (r["n"] / r["total_ms"] * 1000, "req/s", True)}
    if workload == "pubsub":
        return {
            "publish": (r["n"] / r["publish_ms"] * 1000, "msg/s", True),
            "subscribe": (r["n"] / r["receive_ms"] * 1000, "msg/s", True),
        }
    if workload == "big":
        return {"throughput": (r["n"] * r["bytes"] / r["total_ms"] / 1000, "MB/s", True)}
    if workload in ("kv_put", "kv_get"):
        lat = r["latencies_ms"]
        return {
            "p50": (percentile(lat, 50), "ms", False),
            "p99": (percentile(lat, 99), "ms", False),
            "rate": (r["n"] / r["total_ms"] * 1000, "op/s", True),
        }
    if workload == "kv_put_pipelined":
        return {"rate": (r["n"] / r["total_ms"] * 1000, "op/s", True)}
    if workload == "kv_watch":
        return {"delivery": (r["n"] / r["receive_ms"] * 1000, "msg/s", True)}
    if workload == "kv_load":
        return {
            "time": (r["total_ms"], "ms", False),
            "rate": (r["n"] / r["total_ms"] * 1000, "keys/s", True),
        }
    raise ValueError(workload)


def target(workload, ours, theirs, higher_is_better):
    """'met' / 'not met' for a KV row (ours and theirs are medians), '' for the others."""
    if not workload.startswith("kv_") or not ours or not theirs:
        return ""
    ratio = ours / theirs
    met = ratio >= KV_RATE_TARGET if higher_is_better else ratio <= KV_LATENCY_TARGET
    goal = f">= {KV_RATE_TARGET}x" if higher_is_better else f"<= {KV_LATENCY_TARGET}x"
    return f"{goal} {'met' if met else 'NOT MET'}"


def run_page(driver, base, client, workload, n, servers, timeout):
    query = f"?servers={servers}&workload={workload}" + (f"&n={n}" if n else "")
    page = (KV_PAGES if workload.startswith("kv_") else PAGES)[client]
    driver.s("POST", "/url", {"url": f"{base}/{page}{query}"})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = driver.script("const r = document.getElementById('result'); return r ? r.textContent : '';")
        if text:
            result = json.loads(text)
            if "error" in result:
                raise RuntimeError(f"{client} {workload}: {result['error']}")
            return result
        time.sleep(0.05)
    raise TimeoutError(f"{client} {workload}: no result within {timeout} s")


def gz(*paths):
    data = b"".join(open(p, "rb").read() for p in paths)
    return len(gzip.compress(data, compresslevel=9))


def files(directory, *suffixes):
    return [os.path.join(directory, f) for f in sorted(os.listdir(directory)) if f.endswith(suffixes)]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--servers", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument("--only", help="comma-separated workloads")
    parser.add_argument("--clients", help="comma-separated clients (ours, nats-core, raw); default all")
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    site = tempfile.mkdtemp(prefix="nats-web-bench-")
    os.symlink(os.path.join(root, "target/bench/ours"), os.path.join(site, "ours"))
    os.symlink(os.path.join(root, "target/bench/ours-kv"), os.path.join(site, "ours-kv"))
    os.symlink(os.path.join(root, "bench/dist"), os.path.join(site, "js"))
    port = e2e.free_port()
    web = e2e.serve(site, port, isolated=True)
    results = {}  # (workload, metric) -> {client: [values]}
    units = {}
    try:
        with e2e.browser() as driver:
            base = f"http://127.0.0.1:{port}"
            only = set(args.only.split(",")) if args.only else None
            chosen = set(args.clients.split(",")) if args.clients else None
            for run in range(1, args.runs + 1):
                for workload, n, clients in WORKLOADS:
                    if only and workload not in only:
                        continue
                    for repeat in range(SEED_LOADS_PER_RUN if workload == "seed" else 1):
                        # Alternate which client goes first, load by load.
                        order = clients if (run + repeat) % 2 else list(reversed(clients))
                        order = [c for c in order if not chosen or c in chosen]
                        for client in order:
                            r = run_page(driver, base, client, workload, n, args.servers, args.timeout)
                            for metric, (value, unit, better) in metrics(workload, r).items():
                                results.setdefault((workload, metric), {}).setdefault(client, []).append(value)
                                units[(workload, metric)] = (unit, better)
                    print(f"run {run}: {workload} done", file=sys.stderr, flush=True)
    finally:
        web.shutdown()

    def cell(values):
        if not values:
            return "-"
        return f"{statistics.median(values):,.2f} ({min(values):,.2f}..{max(values):,.2f})"

    print(f"\nBrowser benchmark: median (min..max) of {args.runs} runs ({args.runs * SEED_LOADS_PER_RUN} page loads for seed); "
          "ours/nats-core and ours/raw are ratios of medians")
    print("(kv_* rows: ours is our Store, nats-core is @nats-io/kv 3.4.0 on it)")
    header = (f"{'workload':16} {'metric':13} {'unit':6} {'ours':>30} {'nats-core':>30} {'raw floor':>30} "
              f"{'ours/nats-core':>14} {'ours/raw':>9}  target")
    print(header)
    print("-" * len(header))
    for (workload, metric), by_client in results.items():
        unit, better = units[(workload, metric)]
        ours = by_client.get("ours", [])
        theirs = by_client.get("nats-core", [])
        ratio = lambda other: (f"{statistics.median(ours) / statistics.median(other):.2f}x"  # noqa: E731
                               if ours and other else "-")
        goal = target(workload, ours and statistics.median(ours), theirs and statistics.median(theirs), better)
        print(f"{workload:16} {metric:13} {unit:6} {cell(ours):>30} {cell(theirs):>30} "
              f"{cell(by_client.get('raw', [])):>30} {ratio(theirs):>14} {ratio(by_client.get('raw', [])):>9}  {goal}")
    print("(ms: lower is better; req/s, op/s, msg/s, keys/s, MB/s: higher is better)")

    print("\nSize, gzip -9 bytes:")
    demo = files(os.path.join(root, "dist"), ".wasm", ".js", ".css")
    minimal = files(os.path.join(root, "target/bench/minimal"), ".wasm", ".js")
    minimal_nkey = files(os.path.join(root, "target/bench/minimal-nkey"), ".wasm", ".js")
    minimal_service = files(os.path.join(root, "target/bench/minimal-service"), ".wasm", ".js")
    floor = files(os.path.join(root, "target/bench/floor"), ".wasm", ".js")
    minimal_kv_dir = os.path.join(root, "target/bench/minimal-kv")
    kv_js = os.path.join(root, "bench/dist/kv.js")
    natscore = os.path.join(root, "bench/dist/natscore-only.min.js")
    print(f"  demo page (wasm + js + css, release):        {gz(*demo):>8,}")
    print(f"  client-only page (wasm + js, no yew):        {gz(*minimal):>8,}")
    print(f"  client-only page with NKey support:          {gz(*minimal_nkey):>8,}")
    print(f"  client-only page running one service:        {gz(*minimal_service):>8,}")
    if os.path.isdir(minimal_kv_dir):
        minimal_kv = gz(*files(minimal_kv_dir, ".wasm", ".js"))
        print(f"  client-only page using a KV Store:           {minimal_kv:>8,}  "
              f"(+{minimal_kv - gz(*minimal):,} for put, get and watch)")
    print(f"  floor: the same request by hand, no client:  {gz(*floor):>8,}")
    if os.path.exists(natscore):
        print(f"  @nats-io/nats-core (minified, all exports):  {gz(natscore):>8,}")
    if os.path.exists(kv_js):
        print(f"  the @nats-io/kv benchmark page (bundled):    {gz(kv_js):>8,}")


if __name__ == "__main__":
    main()
