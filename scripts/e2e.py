#!/usr/bin/env python3
"""End-to-end check of the built page in real headless Chromium.

Serves the `trunk build --release` output on a free 127.0.0.1 port, starts ChromeDriver, opens
the page with `?servers=...` through the W3C WebDriver protocol (plain HTTP + JSON), and checks
that the example's four outputs appear in order, at desktop and phone sizes, with no errors in
the browser console, and that the sequence diagram draws the run. Then it checks
interoperability with another NATS client, nats-py over TCP on the same server: nats-py's
request is answered by the page's greet service, whose discovery replies nats-py's own
`nats.micro` types parse; the page's Services panel shows a nats-py `nats.micro` service with
its statistics; "Ask all" lists the replies of both services, each with its responder, and the
diagram draws them; with the page's service stopped, the nats-py service answers the page.
The server has JetStream: the page's greetings come from KV bucket `greetings` (deleted
first, so the seed program's output is checked on a fresh bucket); a nats-py `kv.put` over
TCP shows in the page's Greetings panel and changes the page's next reply, a greeting put in
the panel is read by nats-py, and both are deleted again.
Prints the time from navigation to the first reply.
"""

import argparse
import asyncio
import base64
import contextlib
import functools
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C key of an element reference
OUTPUTS = ["hello, joe", "hello, sue", "hello, bob", "no responders"]
CHROME_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--disable-extensions",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebDriver:
    """The few W3C WebDriver calls this check needs."""

    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.session = None

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read() or b"{}").get("value")

    def start(self, chromium):
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": CHROME_ARGS},
            "goog:loggingPrefs": {"browser": "ALL"},
        }}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def script(self, source):
        return self.s("POST", "/execute/sync", {"script": source, "args": []})

    def find(self, xpath):
        found = self.s("POST", "/element", {"using": "xpath", "value": xpath})
        if not isinstance(found, dict) or ELEMENT not in found:
            raise AssertionError(f"no element {xpath}: {found}")
        return found[ELEMENT]

    def click_button(self, label):
        button = self.find(f"//button[normalize-space()='{label}']")
        self.s("POST", f"/element/{button}/click", {})

    def type_name(self, text):
        self.type_into("name", text)

    def type_into(self, field_id, text):
        field = self.find(f"//input[@id='{field_id}']")
        self.s("POST", f"/element/{field}/clear", {})
        self.s("POST", f"/element/{field}/value", {"text": text})

    def wait_for_text(self, needle, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.script("return document.body.innerText;")
            if needle in text:
                return text
            time.sleep(0.02)
        raise AssertionError(f"{needle!r} did not appear; the page shows:\n{text}")

    def wait_for_element_text(self, xpath, needle, timeout=15):
        """The text of the element at `xpath` once it contains `needle`."""
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.script(
                f"const e = document.evaluate({json.dumps(xpath)}, document, null, "
                "XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue; "
                "return e ? e.innerText : '';")
            if needle in text:
                return text
            time.sleep(0.05)
        raise AssertionError(f"{needle!r} did not appear in {xpath}; it shows:\n{text}")

    def console_errors(self):
        try:
            logs = self.s("POST", "/se/log", {"type": "browser"}) or []
        except Exception:  # not every driver keeps browser logs
            return []
        return [entry["message"] for entry in logs if entry.get("level") == "SEVERE"]


@contextlib.contextmanager
def browser(chromedriver="/usr/bin/chromedriver", chromium="/usr/bin/chromium"):
    """A headless Chromium session through a ChromeDriver of our own, both stopped on exit."""
    port = free_port()
    process = subprocess.Popen([chromedriver, f"--port={port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    driver = WebDriver(port)
    try:
        for _ in range(100):
            try:
                driver.call("GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        driver.start(chromium)
        yield driver
    finally:
        if driver.session:
            try:
                driver.s("DELETE", "")
            except Exception:
                pass
        process.terminate()
        process.wait(timeout=10)


def serve(directory, port, isolated=False):
    """Serves `directory` on 127.0.0.1:`port`. `isolated` adds the cross-origin isolation
    headers, which give `performance.now()` 5 µs resolution instead of 100 µs."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def end_headers(self):
            if isolated:
                self.send_header("Cross-Origin-Opener-Policy", "same-origin")
                self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
            self.send_header("Cache-Control", "no-store")
            super().end_headers()

    handler = functools.partial(Quiet, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run_page(driver, url, width, height, timeout):
    """Loads the page at the given size; returns (ms to first reply, final text)."""
    driver.s("POST", "/window/rect", {"width": width, "height": height})
    started = time.monotonic()
    driver.s("POST", "/url", {"url": url})
    first_reply_ms = None
    while time.monotonic() - started < timeout:
        now_ms, text = driver.script(OUTPUT_TEXT)
        if first_reply_ms is None and "hello, joe" in text:
            first_reply_ms = now_ms
        if "connection drained" in text or "error:" in text:
            return first_reply_ms, text
        time.sleep(0.005)
    return first_reply_ms, driver.script("return document.body.innerText;")


# The page's width if it is wider than the window, with the widest elements that stick out.
TOO_WIDE = """
const width = document.documentElement.clientWidth;
if (document.documentElement.scrollWidth <= width) return null;
const wide = [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > width + 1)
  .map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : "") + " " + Math.round(e.getBoundingClientRect().right) + "px");
return document.documentElement.scrollWidth + "px: " + wide.slice(-5).join(", ");
"""

# The time since navigation and the text of the example's output list.
OUTPUT_TEXT = """
const list = document.querySelector("ol[aria-label='Example output']");
return [performance.now(), list ? list.innerText : ""];
"""


class NatsPy:
    """nats-py over TCP, on an event loop in a background thread."""

    def __init__(self, url):
        try:
            import nats.aio.client  # nats-py, from .venv (scripts/requirements.txt)
        except ImportError as e:
            raise SystemExit(f"nats-py is missing ({e}): run this with .venv/bin/python, "
                             "which scripts/test.sh makes from scripts/requirements.txt")
        import nats
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.nc = self.run(nats.connect(url))

    def run(self, coroutine, timeout=15):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def request(self, subject):
        return self.run(self.nc.request(subject, b"", timeout=2)).data.decode()

    def discover(self, verb, name):
        """`$SRV.<verb>.<name>`'s reply, read by nats-py's own `nats.micro` types."""
        from nats.micro import service
        kind = {"PING": service.ServicePing, "INFO": service.ServiceInfo,
                "STATS": service.ServiceStats}[verb]
        reply = self.run(self.nc.request(f"$SRV.{verb}.{name}", b"", timeout=2))
        return kind.from_dict(json.loads(reply.data))

    def kv(self, bucket="greetings"):
        """The KV bucket, through nats-py's own `nats.js.kv`."""
        return self.run(self.nc.jetstream().key_value(bucket))

    def delete_bucket(self, bucket="greetings"):
        """Deletes the bucket if it is there (a fresh one for the seed check)."""
        from nats.js.errors import NotFoundError

        async def delete():
            try:
                await self.nc.jetstream().delete_key_value(bucket)
            except NotFoundError:
                pass
        self.run(delete())

    def serve_greet(self):
        """A nats-py `nats.micro` service, greet-py, on greet.* in queue group py (not the
        page's q: both answer an "Ask all")."""
        from nats.micro import add_service

        async def handler(req):
            await req.respond(f"hi from nats-py, {req.subject[6:]}".encode())

        async def start():
            svc = await add_service(self.nc, name="greet-py", version="0.1.0",
                                    description="nats-py's greeter", queue_group="py")
            await svc.add_endpoint(name="greet", subject="greet.*", handler=handler)
            await self.nc.flush()
            return svc
        return self.run(start())

    def close(self):
        self.run(self.nc.drain())
        self.loop.call_soon_threadsafe(self.loop.stop)


def check_interop(driver, nats_url, screenshot):
    """The page's playground and nats-py talk to each other through the server; each
    discovers the other's service."""
    py = NatsPy(nats_url)
    svc = None
    try:
        driver.wait_for_text("Playground connection: connected to")
        driver.click_button("Start service")
        driver.wait_for_text("service greet 1.0.0 started")
        answer = py.request("greet.py")
        assert answer == "hello, py", f"nats-py got {answer!r} from the page's greet service"
        driver.wait_for_text("greet answered greet.py")
        check_discovery_by_nats_py(py)
        check_greetings_with_nats_py(driver, py)

        svc = py.serve_greet()
        panel = driver.wait_for_element_text("//article[@aria-label='service greet-py']", "greet-py 0.1.0")
        assert "nats-py's greeter" in panel, panel
        driver.type_name("zed")
        driver.click_button("Ask all")
        replies = driver.wait_for_element_text("//div[@class='ask-all']", "done:")
        for needle in ["Ask all: 2 replies to greet.zed", "hello, zed from this page's greet service",
                       "hi from nats-py, zed from another client after "]:
            assert needle in replies, f"{needle!r} missing from Ask all:\n{replies}"
        # Each service counted the request: the panel's refresh shows it.
        driver.wait_for_element_text("//article[@aria-label='service greet-py']", "greet.*\tpy\t1\t0")
        # greet.py, three greet.joe of the greetings check, greet.zed.
        driver.wait_for_element_text("//article[@aria-label='service greet']", "greet.*\tq\t5\t0")
        check_diagram(driver, ["playground (requester)", "nats-server", "responder (sid ",
                               "other clients", "PUB greet.zed ↩ _INBOX."], replies=2)
        if screenshot:
            save_screenshots(driver, screenshot, ["greetings-title", "services-title", "diagram-title"])

        driver.click_button("Stop service")
        driver.wait_for_text("greet service stopped: gone from discovery")
        driver.type_name("amy")
        driver.click_button("Send request")
        driver.wait_for_text("hi from nats-py, amy")
        print("interop with nats-py: page service answered nats-py and its discovery; the page "
              "discovered nats-py's service; Ask all got both replies; nats-py answered the page")
    finally:
        if svc is not None:
            py.run(svc.stop())
        py.close()


def check_greetings_with_nats_py(driver, py):
    """A nats-py `kv.put` over TCP is in the page's Greetings panel at once and is the page's
    next reply; a greeting put in the panel is what nats-py reads; both deleted again."""
    kv = py.kv()
    driver.wait_for_element_text("//section[@class='greetings-panel']", "watching bucket greetings live")
    revision = py.run(kv.put("joe", b"hi joe"))
    row = driver.wait_for_element_text("//tr[@data-key='joe']", "hi joe")
    assert f"{revision}" in row and "put" in row, row
    driver.type_name("joe")
    driver.click_button("Send request")
    driver.wait_for_element_text("//ol[@aria-label='Playground log']", "hi joe (")
    answer = py.request("greet.joe")
    assert answer == "hi joe", f"nats-py got {answer!r} from the page's greet service"

    driver.type_into("greeting-key", "kim")
    driver.type_into("greeting-value", "hi kim, from the page")
    driver.click_button("Put")
    driver.wait_for_element_text("//tr[@data-key='kim']", "hi kim, from the page")
    entry = py.run(kv.get("kim"))
    assert entry.value == b"hi kim, from the page", entry

    for key in ["joe", "kim"]:
        py.run(kv.delete(key))
        driver.wait_for_element_text(f"//tr[@data-key='{key}']", "delete")
    assert py.request("greet.joe") == "hello, joe"
    print("greetings with nats-py: its kv.put changed the panel and the page's next reply; the "
          "panel's put was read by nats-py; its deletes brought hello, <name> back")


def check_discovery_by_nats_py(py):
    """The page's service answers $SRV.PING / INFO / STATS with JSON nats.micro parses."""
    ping = py.discover("PING", "greet")
    info = py.discover("INFO", "greet")
    stats = py.discover("STATS", "greet")
    assert (ping.name, ping.version) == ("greet", "1.0.0"), ping
    assert info.id == ping.id == stats.id, (ping, info, stats)
    assert [(e.name, e.subject, e.queue_group) for e in info.endpoints] == [("greet", "greet.*", "q")], info
    assert stats.endpoints[0].num_requests == 1, stats
    print(f"nats-py discovered the page's service: {info.name} {info.version} {info.id}, "
          f"started {stats.started}")


def check_diagram(driver, needles, replies):
    """The sequence diagram is drawn, with these texts and at least `replies` reply arrows."""
    found = driver.script("""
        const svg = document.querySelector("svg.sequence");
        if (!svg) return null;
        return [svg.textContent, svg.querySelectorAll("g.arrow").length,
                svg.querySelectorAll("g.arrow[data-style=reply]").length,
                svg.querySelectorAll("g.arrow[data-style=no-responders]").length];""")
    assert found, "no sequence diagram"
    text, arrows, reply_arrows, _ = found
    for needle in needles:
        assert needle in text, f"{needle!r} missing from the diagram: {text}"
    assert reply_arrows >= replies, f"{reply_arrows} reply arrows of {arrows}: {text}"
    return found


def save_screenshots(driver, path, headings):
    """One PNG per heading's section, scrolled into view: `path` with -<heading> added."""
    for heading in headings:
        driver.script(f"document.getElementById('{heading}').scrollIntoView();")
        with open(path.replace(".png", f"-{heading.split('-')[0]}.png"), "wb") as f:
            f.write(base64.b64decode(driver.s("GET", "/screenshot")))


def check_page(driver, url, label, size, args):
    """Loads the page at `size`; returns what is wrong with it."""
    width, height = size
    failures = []
    first_reply_ms, text = run_page(driver, url, width, height, args.timeout)
    positions = [text.find(o) for o in OUTPUTS]
    if -1 in positions or positions != sorted(positions):
        failures.append(f"{label}: outputs missing or out of order; the page shows:\n{text}")
    try:
        check_diagram(driver, ["example (requester)", "muxed inbox _INBOX.", "503 no responders"],
                      replies=3)
    except AssertionError as e:
        failures.append(f"{label}: {e}")
    too_wide = driver.script(TOO_WIDE)
    if too_wide:
        failures.append(f"{label}: wider than the {width}px window: {too_wide}")
    errors = driver.console_errors()
    if errors:
        failures.append(f"{label}: browser console errors: {errors}")
    print(f"{label}: outputs in order: {-1 not in positions and positions == sorted(positions)}; "
          f"navigation to first reply: {first_reply_ms:.0f} ms" if first_reply_ms else f"{label}: no reply")
    if args.screenshot:
        path = args.screenshot.replace(".png", f"-{label.split()[0]}.png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(driver.s("GET", "/screenshot")))
        save_screenshots(driver, path, ["diagram-title"])
    return failures


# What crates/nats-web/examples/plain_page prints, line by line, after "connected to ...".
PLAIN_PAGE_LINES = ["hello, joe", "hello, sue", "hello, bob", "no responders", "drained"]


def check_plain_page(driver, dist, servers, timeout):
    """Opens the client's no-framework example page (its own `trunk build` output, served
    from `dist`); returns what is wrong with it."""
    web = serve(os.path.abspath(dist), free_port())
    try:
        driver.s("POST", "/url", {"url": f"http://127.0.0.1:{web.server_port}/?servers={servers}"})
        deadline = time.monotonic() + timeout
        lines = []
        while time.monotonic() < deadline:
            text = driver.script("const o = document.getElementById('output'); return o ? o.textContent : '';")
            lines = text.splitlines()
            if "drained" in lines or any(line.startswith("error:") for line in lines):
                break
            time.sleep(0.02)
    finally:
        web.shutdown()
    print(f"plain page: {lines}")
    if lines[1:] != PLAIN_PAGE_LINES or not lines[0].startswith("connected to "):
        return [f"plain page: expected connected, then {PLAIN_PAGE_LINES}; the page shows {lines}"]
    return [f"plain page: browser console errors: {e}" for e in driver.console_errors()]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dist", default="dist")
    parser.add_argument("--servers", required=True, help="e.g. ws://127.0.0.1:4280")
    parser.add_argument("--nats", help="the same server over TCP for nats-py, e.g. nats://127.0.0.1:4222")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--screenshot", help="save PNGs of the page here (-desktop/-phone added)")
    parser.add_argument("--plain-page", help="also check the client's example page built here "
                        "(crates/nats-web/examples/plain_page)")
    args = parser.parse_args()

    if args.nats:
        # A fresh greetings bucket: the seed program's output is the original's exactly.
        py = NatsPy(args.nats)
        try:
            py.delete_bucket()
        finally:
            py.close()
    http_port = free_port()
    web = serve(os.path.abspath(args.dist), http_port)
    failures = []
    try:
        with browser(args.chromedriver, args.chromium) as driver:
            url = f"http://127.0.0.1:{http_port}/?servers={args.servers}"
            for label, size in [("desktop 1280x800", (1280, 800)), ("phone 390x844", (390, 844))]:
                failures += check_page(driver, url, label, size, args)
            if args.nats:
                try:
                    driver.s("POST", "/window/rect", {"width": 1280, "height": 800})
                    check_interop(driver, args.nats, args.screenshot)
                except AssertionError as e:
                    failures.append(f"interop: {e}")
            if args.plain_page:
                failures += check_plain_page(driver, args.plain_page, args.servers, args.timeout)
    finally:
        web.shutdown()
    if failures:
        print("\n".join(failures), file=sys.stderr)
        print("e2e: 0 passed, 1 failed")
        sys.exit(1)
    print("e2e: 1 passed, 0 failed")


if __name__ == "__main__":
    main()
