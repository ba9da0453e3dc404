#!/usr/bin/env python3
"""Runs the built benchmark pages (bench/dist, `npm run build`) once each in headless Chromium.

Starts a nats-server with a WebSocket listener and an HTTP server for bench/dist on free
127.0.0.1 ports, and ChromeDriver; opens `<page>.html?servers=ws://127.0.0.1:P&workload=W[&n=N]`
for each page and workload through the W3C WebDriver protocol (plain urllib, like
scripts/e2e.py), waits for `#result`, and prints one JSON line per run with a short summary.
Stops everything it started, by PID.

    python3 bench/js/run_pages.py                       # natscore: all five; raw: seed, seq, big
    python3 bench/js/run_pages.py --pages raw --workloads seq --n 500
"""

import argparse
import functools
import http.server
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

CHROME_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--disable-extensions",
]
WORKLOADS = {"natscore": ["seed", "seq", "inflight", "pubsub", "big"], "raw": ["seed", "seq", "big"]}
BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


class WebDriver:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.session = None

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as resp:
            return json.loads(resp.read() or b"{}").get("value")

    def start(self, chromium):
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": CHROME_ARGS},
        }}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def script(self, source):
        return self.s("POST", "/execute/sync", {"script": source, "args": []})


def serve(directory, port):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Quiet, directory=directory))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run(driver, url, timeout):
    driver.s("POST", "/url", {"url": url})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = driver.script("const e = document.getElementById('result'); return e ? e.textContent : '';")
        if text:
            return json.loads(text)
        time.sleep(0.05)
    return {"error": f"no result within {timeout} s"}


def summary(result):
    if "error" in result:
        return f"ERROR {result['error']}"
    if "latencies_ms" in result:
        lat = sorted(result["latencies_ms"])
        q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
        return (f"n={len(lat)} total={result['total_ms']:.0f} ms  median={statistics.median(lat) * 1000:.0f} us  "
                f"p90={q(0.9) * 1000:.0f} us  p99={q(0.99) * 1000:.0f} us  mean={statistics.fmean(lat) * 1000:.0f} us")
    if "first_reply_ms" in result:
        return f"first reply at {result['first_reply_ms']:.1f} ms, done at {result['done_ms']:.1f} ms"
    if "publish_ms" in result:
        return (f"n={result['n']} publish={result['publish_ms']:.0f} ms receive={result['receive_ms']:.0f} ms  "
                f"({result['n'] / result['receive_ms'] * 1000:,.0f} msg/s)")
    if "bytes" in result:
        mb = result["n"] * result["bytes"] / 1e6
        return (f"n={result['n']} total={result['total_ms']:.0f} ms  {result['total_ms'] / result['n']:.2f} ms/req  "
                f"({mb / result['total_ms'] * 1000:.0f} MB/s of replies)")
    return (f"n={result['n']} total={result['total_ms']:.0f} ms  "
            f"({result['n'] / result['total_ms'] * 1000:,.0f} req/s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dist", default=os.path.join(BENCH, "dist"))
    parser.add_argument("--pages", nargs="*", default=list(WORKLOADS))
    parser.add_argument("--workloads", nargs="*")
    parser.add_argument("--n", type=int, help="override every workload's n")
    parser.add_argument("--servers", help="use this server (ws://host:port) instead of starting one")
    parser.add_argument("--nats-server", default="/usr/sbin/nats-server")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()

    tcp_port, ws_port, http_port, driver_port = free_port(), free_port(), free_port(), free_port()
    conf = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
    conf.write(f"listen: 127.0.0.1:{tcp_port}\nwebsocket {{ host: 127.0.0.1, port: {ws_port}, no_tls: true }}\n")
    conf.close()
    procs = []
    web = None
    driver = None
    failed = 0
    try:
        servers = args.servers or f"ws://127.0.0.1:{ws_port}"
        if not args.servers:
            procs.append(subprocess.Popen([args.nats_server, "-c", conf.name],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            wait_port(ws_port)
        web = serve(os.path.abspath(args.dist), http_port)
        procs.append(subprocess.Popen([args.chromedriver, f"--port={driver_port}"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_port(driver_port)
        driver = WebDriver(driver_port)
        driver.start(args.chromium)
        for page in args.pages:
            for workload in args.workloads or WORKLOADS[page]:
                url = f"http://127.0.0.1:{http_port}/{page}.html?servers={servers}&workload={workload}"
                if args.n:
                    url += f"&n={args.n}"
                result = run(driver, url, args.timeout)
                failed += "error" in result
                print(f"{page:9} {workload:9} {summary(result)}", flush=True)
                print(json.dumps({"page": page, "workload": workload, "result": result}), file=sys.stderr)
    finally:
        if driver and driver.session:
            try:
                driver.s("DELETE", "")
            except Exception:
                pass
        if web:
            web.shutdown()
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        os.unlink(conf.name)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
