#!/usr/bin/env python3
"""Captures real StreamInfo replies from a nats-server with JetStream: starts the server
given as argv[1] on a free 127.0.0.1 port with its own store dir, creates a source stream and a
stream that sources it (many config fields set, a description with escapes), publishes a few
messages and writes the raw STREAM.INFO reply payload to argv[2]. Plain sockets, no client."""
import json, os, socket, subprocess, sys, tempfile, time

server, out = sys.argv[1], sys.argv[2]
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
tmp = tempfile.mkdtemp()
proc = subprocess.Popen([server, "-js", "-sd", tmp, "-p", str(port), "-a", "127.0.0.1"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        try:
            conn = socket.create_connection(("127.0.0.1", port)); break
        except OSError:
            time.sleep(0.1)
    buf = b""
    def read_line():
        global buf
        while b"\r\n" not in buf:
            buf += conn.recv(65536)
        line, buf = buf.split(b"\r\n", 1)
        return line
    def read_n(n):
        global buf
        while len(buf) < n + 2:
            buf += conn.recv(65536)
        data, buf = buf[:n], buf[n + 2:]
        return data
    read_line()  # INFO
    conn.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\nSUB _INBOX.cap 1\r\n')
    def request(subject, body):
        payload = json.dumps(body).encode() if body is not None else b""
        conn.sendall(b"PUB %s _INBOX.cap %d\r\n%s\r\nPING\r\n" % (subject.encode(), len(payload), payload))
        while True:
            line = read_line()
            if line.startswith(b"MSG"):
                return read_n(int(line.split()[-1]))
            if line == b"PING":
                conn.sendall(b"PONG\r\n")
    base = {"retention": "limits", "storage": "file", "num_replicas": 1, "discard": "old",
            "max_age": 3600 * 10**9, "duplicate_window": 120 * 10**9}
    print(request("$JS.API.STREAM.CREATE.SRC", dict(base, name="SRC", subjects=["src.>"])).decode(), file=sys.stderr)
    cfg = dict(base, name="ORDERS", subjects=["orders.*", "orders.*.shipped"],
               description='orders \u00e9t\u00e9 "quoted" \\ back\tslash \U0001F600',
               max_msgs=1000000, max_bytes=1 << 30, max_msg_size=1 << 20,
               max_msgs_per_subject=10, max_consumers=-1, allow_rollup_hdrs=True,
               deny_delete=False, deny_purge=False, allow_direct=True,
               sources=[{"name": "SRC", "filter_subject": "src.a"}])
    print(request("$JS.API.STREAM.CREATE.ORDERS", cfg).decode()[:200], file=sys.stderr)
    for i in range(5):
        conn.sendall(b"PUB orders.%d 5\r\nhello\r\nPUB src.a 2\r\nhi\r\n" % i)
    request("$JS.API.STREAM.INFO.ORDERS", None)
    time.sleep(0.5)
    info = request("$JS.API.STREAM.INFO.ORDERS", None)
    open(out, "wb").write(info)
    print(out, len(info), "bytes")
finally:
    proc.terminate(); proc.wait()
