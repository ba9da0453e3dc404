"""The scenarios of scripts/hostile_server.py: one per thing a broken or malicious server can
send. Each is a class whose docstring says what it does; `play` runs one connection, and the
hooks (`on_connected` after the first PONG, `on_sub` after a SUB, `on_pub` after a PUB) are
where it turns hostile. `Faithful` is a plain NATS server; the others change one thing.

"First connection" scenarios are hostile only on a run's first connection, so a test can check
the client reconnects to a server that then behaves.
"""

import asyncio
import json

from websockets.exceptions import ConnectionClosed

FRAME = 64 * 1024  # bytes per frame when a scenario streams a lot

BASE_INFO = {
    "server_id": "NHOSTILE",
    "server_name": "hostile",
    "version": "2.9.10",
    "proto": 1,
    "go": "go1.19.8",
    "host": "127.0.0.1",
    "port": 4222,
    "headers": True,
    "max_payload": 1048576,
    "client_ip": "127.0.0.1",
}

XSS_NAME = '<img src=x onerror="window.__hostileXss=1">'
XSS_SUBJECT = "<img src=x onerror=window.__hostileXss=2>"


def info_line(info):
    return b"INFO " + json.dumps(info, separators=(",", ":")).encode() + b" \r\n"


class Faithful:
    """A plain NATS server: INFO, PONG, SUB/UNSUB, PUB/HPUB routing, no responders."""

    def info(self, session):
        return dict(BASE_INFO, client_id=session.number)

    async def play(self, session):
        await session.send(info_line(self.info(session)))
        await session.read_ops(self)

    async def on_connected(self, session):
        pass

    async def on_sub(self, session, sid, subject):
        pass

    async def on_pub(self, session, subject, reply):
        pass


class FirstConnection(Faithful):
    """Base of the scenarios that are hostile on the first connection only: `hostile` runs
    after the first SUB of connection 1."""

    async def on_sub(self, session, sid, subject):
        if session.number == 1 and not getattr(session, "done", False):
            session.done = True
            await self.hostile(session, sid, subject)

    async def hostile(self, session, sid, subject):
        raise NotImplementedError


class GarbageInfo(Faithful):
    """Binary garbage instead of INFO (a TLS ClientHello-like start, invalid UTF-8)."""

    async def play(self, session):
        await session.send(b"\x16\x03\x01\x02\x00\x01\x00\xff\xfe garbage\r\n")
        await session.read_ops(self)


class InfoNotJson(Faithful):
    """`INFO` followed by text that is not JSON."""

    async def play(self, session):
        await session.send(b"INFO {this is not json, 'server_id': nope\r\n")
        await session.read_ops(self)


class JsonBomb(Faithful):
    """An INFO within 64 KiB whose unknown field nests 30,000 arrays deep (a stack bomb)."""

    async def play(self, session):
        depth = 30000
        body = json.dumps(self.info(session), separators=(",", ":"))[:-1]
        line = f"INFO {body},\"bomb\":{'[' * depth}{']' * depth}}} \r\n".encode()
        session.note(f"INFO of {len(line)} bytes, arrays {depth} deep")
        await session.send(line)
        await session.read_ops(self)


class HugeInfo(Faithful):
    """An INFO line that never ends: 16 MiB of a JSON string, in 64 KiB frames, no CRLF."""

    async def play(self, session):
        await session.send(b'INFO {"server_id":"')
        chunk = b"a" * FRAME
        for _ in range(256):
            await session.send(chunk)
        session.note("sent 16 MiB of INFO without a line end")
        await session.read_ops(self)


class CloseAfterInfo(Faithful):
    """A good INFO, then the WebSocket is closed at once (every connection)."""

    async def play(self, session):
        await session.send(info_line(self.info(session)))
        await session.ws.close(1001, "going away")


class TextFrames(Faithful):
    """Everything in text frames instead of binary ones."""

    async def play(self, session):
        session.text = True
        await super().play(session)


class SlowDrip(Faithful):
    """Everything one byte per frame (1 ms apart): INFO, PONGs, and after a SUB on `drip` a
    MSG with the payload `drip-drop`."""

    async def play(self, session):
        session.drip = 0.001
        await super().play(session)

    async def on_sub(self, session, sid, subject):
        if subject == "drip":
            await session.deliver(sid, "drip", None, None, b"drip-drop")


class Xss(Faithful):
    """HTML in every server text: INFO server_name and a non-fatal -ERR after the handshake."""

    def info(self, session):
        return dict(super().info(session), server_name=XSS_NAME)

    async def on_connected(self, session):
        text = f"Permissions Violation for Publish to \"{XSS_SUBJECT}\""
        await session.send(f"-ERR '{text}'\r\n".encode())


class PingFlood(Faithful):
    """100,000 PINGs right after the handshake (4 KiB frames); the report counts the PONGs."""

    COUNT = 100_000

    async def on_connected(self, session):
        # Sent from a task of its own, so the client's PONGs are read meanwhile; the session
        # keeps the task referenced until it is done.
        session.flood_task = asyncio.get_running_loop().create_task(self.flood(session))

    async def flood(self, session):
        per_frame = 4096 // 6
        sent = 0
        try:
            while sent < self.COUNT:
                n = min(per_frame, self.COUNT - sent)
                await session.send(b"PING\r\n" * n)
                sent += n
                session.run.counts["pings_sent"] += n
        except ConnectionClosed:
            pass
        session.note(f"flood of {sent} PINGs sent")


class Garbage(FirstConnection):
    """Connection 1: after the first SUB, bytes that are no NATS operation."""

    async def hostile(self, session, sid, subject):
        await session.send(b"\x00\x01\xfe\xff\x80 <garbage> \x7f\r\n")


class BigMsg(FirstConnection):
    """Connection 1: a MSG declaring 60 MiB (its payload follows in 64 KiB frames)."""

    SIZE = 60 * 1024 * 1024

    async def hostile(self, session, sid, subject):
        await session.send(f"MSG {subject} {sid} {self.SIZE}\r\n".encode())
        chunk = b"x" * FRAME
        for _ in range(self.SIZE // FRAME):
            await session.send(chunk)
        await session.send(b"\r\n")
        session.note("sent the 60 MiB message")


class Over4Gb(FirstConnection):
    """Connection 1: `MSG <subject> <sid> 99999999999` (over 4 GB), then 8 MiB of filler."""

    async def hostile(self, session, sid, subject):
        await session.send(f"MSG {subject} {sid} 99999999999\r\n".encode())
        chunk = b"y" * FRAME
        for _ in range(128):
            await session.send(chunk)
        session.note("sent 8 MiB of the 99999999999-byte message")


class FatalErr(FirstConnection):
    """Connection 1: a fatal -ERR after the first SUB, then the server closes (as nats-server
    does after a fatal error)."""

    async def hostile(self, session, sid, subject):
        await session.send(b"-ERR 'hostile: fatal error, closing'\r\n")
        await session.ws.close(1008, "fatal")


class DropOnce(FirstConnection):
    """Connection 1: dropped (TCP abort) after the first SUB; later connections are faithful."""

    async def hostile(self, session, sid, subject):
        session.drop()


class HandshakeThenDrop(Faithful):
    """Every connection: the NATS handshake completes (PONG), then the TCP connection is
    dropped 20 ms later: a flapping server."""

    async def on_connected(self, session):
        await asyncio.sleep(0.02)
        session.drop()


class AcceptThenDrop(Faithful):
    """Connection 1 is faithful until the first SUB, then dropped; every later connection has
    its WebSocket accepted and dropped at once, without INFO."""

    async def play(self, session):
        if session.number == 1:
            return await super().play(session)
        session.drop()

    async def on_sub(self, session, sid, subject):
        session.drop()


class ShortSubject(Faithful):
    """On every SUB whose subject starts with `greet`, first a MSG with subject `g` and one with
    subject `greet` on that sid (shorter than `greet.`), with reply subjects nobody holds."""

    async def on_sub(self, session, sid, subject):
        if subject.startswith("greet"):
            for short in ("g", "greet"):
                await session.deliver(sid, short, f"_INBOX.hostile.{short}", None, b"")


class ManyUrls(Faithful):
    """An INFO with 3,599 connect_urls (just under 64 KiB) on connect and three more times
    after the first SUB (a server may resend INFO at any time)."""

    def info(self, session):
        urls = [f"10.{i // 250 % 250}.{i % 250}.{1 + i % 7}:{4222 + i % 9}" for i in range(3599)]
        return dict(super().info(session), connect_urls=urls)

    async def play(self, session):
        line = info_line(self.info(session))
        session.note(f"INFO of {len(line)} bytes with 3599 connect_urls")
        await super().play(session)

    async def on_sub(self, session, sid, subject):
        if not getattr(session, "resent", False):
            session.resent = True
            for _ in range(3):
                await session.send(info_line(self.info(session)))


class BadHeaders(Faithful):
    """After a SUB on `hdr`: three HMSGs whose header blocks nats-server forwards unchanged (a
    space in a name, a non-UTF-8 value, a line without `:`), then a plain MSG."""

    async def on_sub(self, session, sid, subject):
        if subject != "hdr":
            return
        for headers, payload in (
            (b"NATS/1.0\r\nmy key: v\r\n\r\n", b"space"),
            (b"NATS/1.0\r\nKey: \xff\xfe\xfd\r\n\r\n", b"non-utf8"),
            (b"NATS/1.0\r\nnocolon\r\n\r\n", b"no-colon"),
        ):
            await session.deliver(sid, "hdr", None, headers, payload)
        await session.deliver(sid, "hdr", None, None, b"plain")


class LongLines(Faithful):
    """After a SUB on `long.>`: a MSG whose control line is 4,200 bytes, a 4,300-byte
    `-ERR 'Permissions Violation ...'` line, then a short MSG: all of them a real server sends."""

    async def on_sub(self, session, sid, subject):
        if subject != "long.>":
            return
        prefix = f"MSG long. {sid} 5"
        long_subject = "long." + "a" * (4200 - len(prefix))
        await session.deliver(sid, long_subject, None, None, b"first")
        denied = "long." + "b" * 4250
        await session.send(f"-ERR 'Permissions Violation for Publish to \"{denied}\"'\r\n".encode())
        await session.deliver(sid, "long.after", None, None, b"last")


SCENARIOS = {
    "faithful": Faithful,
    "garbage-info": GarbageInfo,
    "info-not-json": InfoNotJson,
    "json-bomb": JsonBomb,
    "huge-info": HugeInfo,
    "close-after-info": CloseAfterInfo,
    "text-frames": TextFrames,
    "slow-drip": SlowDrip,
    "xss": Xss,
    "ping-flood": PingFlood,
    "garbage": Garbage,
    "big-msg": BigMsg,
    "over-4gb": Over4Gb,
    "fatal-err": FatalErr,
    "drop-once": DropOnce,
    "handshake-then-drop": HandshakeThenDrop,
    "accept-then-drop": AcceptThenDrop,
    "short-subject": ShortSubject,
    "many-urls": ManyUrls,
    "bad-headers": BadHeaders,
    "long-lines": LongLines,
}


def names():
    return list(SCENARIOS)


def get(name):
    """A fresh scenario object for `name`, or None."""
    cls = SCENARIOS.get(name)
    return cls() if cls else None
