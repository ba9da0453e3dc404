#!/usr/bin/env python3
"""A scripted, hostile NATS-over-WebSocket server for the browser tests (tests/browser_hostile.rs).

    .venv/bin/python scripts/hostile_server.py --port 4290

One port serves both:

    ws://127.0.0.1:PORT/<scenario>[/<tag>]   a WebSocket that plays <scenario> (see
                                             scripts/hostile_scenarios.py for the list)
    http://127.0.0.1:PORT/report?path=/p     JSON: what the connections to path /p saw
    http://127.0.0.1:PORT/report             the same for every path
    http://127.0.0.1:PORT/scenarios          the scenario names, one a line
    http://127.0.0.1:PORT/print?text=...     logs the text on stderr (figures a test measures)

The path (scenario plus an optional tag) names a *run*: connections to the same path share one
message broker (so the page's two connections can talk to each other) and one report, so a
test gives each of its runs a tag of its own. The report, per path:

    {"connections": 3,            WebSocket handshakes accepted
     "opened_ms": [..], "closed_ms": [..],   when (ms since this program started; monotonic)
     "pings_sent": 100000, "pongs_received": 100001, "subs": 2, "pubs": 5,
     "notes": ["..."]}            what the scenario did, for failure messages

Where a scenario needs it, the server is a faithful NATS speaker: INFO, PONG for every PING,
SUB/UNSUB (with max), PUB/HPUB routed to matching subscriptions of every connection of the run
(wildcards, queue groups), and the 503 "no responders" answer. A scenario is hostile on the
connections it names and faithful otherwise, so a test can check that the client reconnects.

It prints `ready <port>` on stdout once it listens, and stops on SIGTERM or SIGINT.
Needs the `websockets` package (pinned in the project's Python requirements).
"""

import argparse
import asyncio
import json
import signal
import sys
import time
import urllib.parse
from http import HTTPStatus

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

sys.dont_write_bytecode = True  # no scripts/__pycache__ from the import below
import hostile_scenarios  # noqa: E402 (after the line above on purpose)

HOST = "127.0.0.1"
STARTED = time.monotonic()


def now_ms():
    return round((time.monotonic() - STARTED) * 1000, 1)


def log(message):
    print(f"hostile_server: {message}", file=sys.stderr, flush=True)


def subject_matches(pattern, subject):
    """NATS subject matching: `*` is one whole token, `>` one or more trailing tokens."""
    p, s = pattern.split("."), subject.split(".")
    for i, token in enumerate(p):
        if token == ">":
            return len(s) > i
        if i >= len(s) or (token != "*" and token != s[i]):
            return False
    return len(p) == len(s)


class Run:
    """Everything the connections to one path share: the broker and the report."""

    def __init__(self):
        self.sessions = []
        self.opened_ms = []
        self.closed_ms = []
        self.counts = {"pings_sent": 0, "pongs_received": 0, "subs": 0, "pubs": 0}
        self.notes = []

    def report(self):
        return {
            "connections": len(self.opened_ms),
            "opened_ms": self.opened_ms,
            "closed_ms": self.closed_ms,
            **self.counts,
            "notes": self.notes[-50:],
        }

    async def route(self, sender, subject, reply, headers, payload):
        """Delivers a PUB/HPUB to every matching subscription (one member per queue group)."""
        targets, queues = [], {}
        for session in self.sessions:
            for sid, sub in list(session.subs.items()):
                if not subject_matches(sub["subject"], subject):
                    continue
                if sub["queue"]:
                    queues.setdefault(sub["queue"], (session, sid))
                else:
                    targets.append((session, sid))
        targets.extend(queues.values())
        for session, sid in targets:
            await session.deliver(sid, subject, reply, headers, payload)
        if not targets and reply and sender.no_responders:
            sid = sender.sid_matching(reply)
            if sid is not None:
                await sender.deliver(sid, reply, None, b"NATS/1.0 503\r\n\r\n", b"")


class Session:
    """One WebSocket connection: speaks NATS faithfully unless its scenario does otherwise."""

    def __init__(self, ws, run, number, path):
        self.ws, self.run, self.number, self.path = ws, run, number, path
        self.subs = {}  # sid -> {"subject", "queue", "max", "delivered"}
        self.no_responders = False
        self.buffer = b""
        self.connected = False  # CONNECT and the first PING answered
        self.text = False  # send text frames instead of binary ones
        self.drip = 0.0  # when set: one byte per frame, this many seconds apart

    def note(self, text):
        self.run.notes.append(f"#{self.number} {now_ms()} ms: {text}")

    async def send(self, data):
        """Sends `data` as one frame (or dripped, or as text, as the scenario set)."""
        if self.drip:
            for i in range(len(data)):
                await self.frame(data[i : i + 1])
                await asyncio.sleep(self.drip)
        else:
            await self.frame(data)

    async def frame(self, data):
        await self.ws.send(data.decode("utf-8", "replace") if self.text else data)

    def drop(self):
        """Drops the TCP connection without a WebSocket close (as a crashed server would)."""
        self.note("dropped")
        self.ws.transport.abort()

    def sid_matching(self, subject):
        for sid, sub in self.subs.items():
            if subject_matches(sub["subject"], subject):
                return sid
        return None

    async def deliver(self, sid, subject, reply, headers, payload):
        sub = self.subs.get(sid)
        if sub is None:
            return
        sub["delivered"] += 1
        if sub["max"] is not None and sub["delivered"] >= sub["max"]:
            del self.subs[sid]
        reply_part = f" {reply}" if reply else ""
        try:
            if headers is None:
                line = f"MSG {subject} {sid}{reply_part} {len(payload)}\r\n"
                await self.send(line.encode() + payload + b"\r\n")
            else:
                total = len(headers) + len(payload)
                line = f"HMSG {subject} {sid}{reply_part} {len(headers)} {total}\r\n"
                await self.send(line.encode() + headers + payload + b"\r\n")
        except ConnectionClosed:
            pass

    async def read_ops(self, scenario):
        """Reads the client's operations until the socket closes, handling each faithfully and
        giving the scenario its hooks."""
        async for frame in self.ws:
            if isinstance(frame, str):
                frame = frame.encode()
            self.buffer += frame
            while True:
                op = self.take_op()
                if op is None:
                    break
                await self.handle(op, scenario)

    def take_op(self):
        """One complete client operation from the buffer, or None when more bytes are needed."""
        end = self.buffer.find(b"\r\n")
        if end < 0:
            return None
        line = self.buffer[:end].decode("utf-8", "replace")
        name, _, rest = line.partition(" ")
        name, args = name.upper(), rest.split()
        body = b""
        size = 0
        if name == "PUB" and args:
            size = int(args[-1])
        elif name == "HPUB" and len(args) >= 2:
            size = int(args[-1])
        start = end + 2
        if name in ("PUB", "HPUB"):
            if len(self.buffer) < start + size + 2:
                return None
            body = self.buffer[start : start + size]
            start += size + 2
        self.buffer = self.buffer[start:]
        return name, args, body, rest

    async def handle(self, op, scenario):
        name, args, body, rest = op
        if name == "CONNECT":
            try:
                options = json.loads(rest)
            except ValueError:
                options = {}
            self.no_responders = bool(options.get("no_responders") and options.get("headers"))
        elif name == "PING":
            await self.send(b"PONG\r\n")
            if not self.connected:
                self.connected = True
                await scenario.on_connected(self)
        elif name == "PONG":
            self.run.counts["pongs_received"] += 1
        elif name == "SUB" and len(args) in (2, 3):
            sid = int(args[-1]) if args[-1].isdigit() else args[-1]
            queue = args[1] if len(args) == 3 else None
            self.subs[sid] = {"subject": args[0], "queue": queue, "max": None, "delivered": 0}
            self.run.counts["subs"] += 1
            await scenario.on_sub(self, sid, args[0])
        elif name == "UNSUB" and args:
            sid = int(args[0]) if args[0].isdigit() else args[0]
            sub = self.subs.get(sid)
            if sub is not None and len(args) > 1 and args[1].isdigit():
                sub["max"] = int(args[1])
                if sub["delivered"] >= sub["max"]:
                    del self.subs[sid]
            else:
                self.subs.pop(sid, None)
        elif name in ("PUB", "HPUB"):
            self.run.counts["pubs"] += 1
            subject = args[0]
            reply = args[1] if len(args) == (3 if name == "PUB" else 4) else None
            headers, payload = None, body
            if name == "HPUB":
                hdr = int(args[-2])
                headers, payload = body[:hdr], body[hdr:]
            await scenario.on_pub(self, subject, reply)
            await self.run.route(self, subject, reply, headers, payload)


class Server:
    def __init__(self):
        self.runs = {}

    def run_for(self, path):
        return self.runs.setdefault(path, Run())

    def process_request(self, connection, request):
        """Answers the plain HTTP paths; WebSocket upgrades go on to `handler`."""
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return None
        url = urllib.parse.urlsplit(request.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path == "/report":
            if "path" in query:
                path = query["path"][0]
                body = json.dumps(self.runs[path].report() if path in self.runs else Run().report())
            else:
                body = json.dumps({p: r.report() for p, r in self.runs.items()})
            response = connection.respond(HTTPStatus.OK, body + "\n")
            response.headers["Content-Type"] = "application/json"
        elif url.path == "/print":
            log(f"test says: {query.get('text', [''])[0]}")
            response = connection.respond(HTTPStatus.OK, "printed\n")
        elif url.path == "/scenarios":
            response = connection.respond(HTTPStatus.OK, "\n".join(hostile_scenarios.names()) + "\n")
        else:
            response = connection.respond(HTTPStatus.NOT_FOUND, "use /report?path=/<scenario>/<tag> or /scenarios\n")
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Cache-Control"] = "no-store"
        return response

    async def handler(self, ws):
        path = ws.request.path
        name = urllib.parse.urlsplit(path).path.strip("/").split("/")[0]
        scenario = hostile_scenarios.get(name)
        run = self.run_for(path)
        run.opened_ms.append(now_ms())
        session = Session(ws, run, len(run.opened_ms), path)
        run.sessions.append(session)
        try:
            if scenario is None:
                session.note(f"unknown scenario {name!r}")
                await ws.close(1008, f"unknown scenario {name[:60]!r}")
                return
            await scenario.play(session)
        except ConnectionClosed:
            pass
        except Exception as e:  # a scenario bug must show in the report, not kill the server
            session.note(f"server error: {e!r}")
            log(f"{path} #{session.number}: {e!r}")
        finally:
            run.sessions.remove(session)
            run.closed_ms.append(now_ms())


async def main_async(port):
    server = Server()
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    async with serve(
        server.handler,
        HOST,
        port,
        process_request=server.process_request,
        compression=None,
        ping_interval=None,
        max_size=64 * 1024 * 1024,
        write_limit=1024 * 1024,
    ) as ws_server:
        bound = ws_server.sockets[0].getsockname()[1]
        print(f"ready {bound}", flush=True)
        await stop
    log("stopped")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free port)")
    args = parser.parse_args()
    asyncio.run(main_async(args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
