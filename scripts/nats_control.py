#!/usr/bin/env python3
"""Runs one nats-server and lets browser tests kill and restart it over HTTP.

Browser tests cannot start or stop processes, so this program does it for them:

    .venv/bin/python scripts/nats_control.py --nats-server /usr/sbin/nats-server \\
        --config nats/dev.conf --tcp-port 4222 --control-port 4299

starts nats-server with that config, its NATS TCP listener forced to 127.0.0.1:<tcp-port>
(`-a 127.0.0.1 -p <tcp-port>`; the config's other listeners should also use 127.0.0.1),
and serves on http://127.0.0.1:<control-port>, with `Access-Control-Allow-Origin: *`:

    GET /kill      SIGKILL the server by PID, wait for it to exit     -> 200 "killed"
    GET /start     start it again (same config), wait until the TCP
                   port answers with INFO                             -> 200 "started"
    GET /restart   kill, sleep ?down_ms= milliseconds (default 500),
                   start                                              -> 200 "restarted"
    GET /lame_duck SIGUSR2: the server enters lame-duck mode (tells
                   its clients, then closes them and exits)           -> 200 "lame duck"
    GET /pause     SIGSTOP: its sockets stay open, nothing is answered -> 200 "paused"
    GET /resume    SIGCONT after /pause                               -> 200 "resumed"
    GET /status    {"running": bool, "pid": int|null, "tcp_port": int, "starts": int}

/kill and /start are idempotent. A start that fails answers 500 with the reason. Requests
are handled one at a time. nats-server's output goes to this program's stderr.

It prints one line, `ready`, to stdout once the server is up and the control port listens.
On SIGTERM, SIGINT or EOF on stdin it kills its nats-server and exits. Stdin is watched only
when it is a pipe, socket or terminal (not /dev/null or a file, as for `cmd &` in a script).
In a shell script:

    coproc CTL { "$PYTHON" scripts/nats_control.py ...; }
    read -r line <&"${CTL[0]}"          # "ready"; the script exiting closes stdin: cleanup

Standard library only.
"""

import argparse
import ctypes
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

HOST = "127.0.0.1"
START_TIMEOUT = 10.0  # seconds for nats-server to answer on its TCP port
DEFAULT_DOWN_MS = 500
PR_SET_PDEATHSIG = 1


def log(message):
    print(f"nats_control: {message}", file=sys.stderr, flush=True)


def die_with_parent():
    """Returns a preexec_fn that makes the child get SIGKILL when this process dies (Linux),
    so even a SIGKILLed control process leaves no nats-server behind; None elsewhere."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def thread_states(pid):
    """The state letter of each thread of `pid` (`T` when stopped), or None without /proc."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
        states = []
        for task in tasks:
            with open(f"/proc/{pid}/task/{task}/stat") as task_stat:
                # "pid (comm) S ...": the state follows the last ')'.
                states.append(task_stat.read().rsplit(")", 1)[1].split()[0])
        return states
    except (OSError, IndexError):
        return None


class Server:
    """The nats-server process. Spawned only from the main thread, because the kernel sends
    the parent-death signal when the spawning *thread* exits."""

    def __init__(self, binary, config, tcp_port):
        self.command = [binary, "-c", config, "-a", HOST, "-p", str(tcp_port)]
        self.tcp_port = tcp_port
        self.proc = None
        self.starts = 0
        self.preexec = die_with_parent()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """SIGKILL by PID and wait for the exit. Does nothing when it is not running."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        log(f"nats-server {self.proc.pid} stopped ({self.proc.returncode})")
        self.proc = None

    def start(self):
        """Starts the server unless it runs; returns None when it answers, else the reason."""
        if self.running():
            return None
        self.kill()  # reap one that exited by itself
        self.proc = subprocess.Popen(
            self.command,
            stdin=subprocess.DEVNULL,
            stdout=sys.stderr,
            stderr=sys.stderr,
            preexec_fn=self.preexec,
        )
        self.starts += 1
        log(f"nats-server {self.proc.pid} started: {' '.join(self.command)}")
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.proc = None
                return f"nats-server exited with {code} (its output is on stderr)"
            if self.answers_info():
                return None
            time.sleep(0.02)
        self.kill()
        return f"nats-server did not answer on {HOST}:{self.tcp_port} within {START_TIMEOUT}s"

    def answers_info(self):
        """Whether the TCP port sends an INFO line (nats-server opens it after its WebSocket
        and monitoring listeners, so they are up too)."""
        try:
            with socket.create_connection((HOST, self.tcp_port), timeout=0.5) as sock:
                sock.settimeout(1.0)
                return sock.recv(5) == b"INFO "
        except OSError:
            return False

    def lame_duck(self):
        """Puts the server into lame-duck mode (SIGUSR2); its clients learn it from INFO."""
        if not self.running():
            return "nats-server is not running"
        os.kill(self.proc.pid, signal.SIGUSR2)
        log(f"nats-server {self.proc.pid} put into lame-duck mode")
        return None

    def signal(self, signum, what):
        """Sends SIGSTOP or SIGCONT to the running server; returns once every thread is
        stopped (or none is), as /proc tells (signals are delivered asynchronously)."""
        if not self.running():
            return "nats-server is not running"
        os.kill(self.proc.pid, signum)
        stopped = signum == signal.SIGSTOP
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            states = thread_states(self.proc.pid)
            if states is None or all((s == "T") == stopped for s in states):
                break
            time.sleep(0.005)
        log(f"nats-server {self.proc.pid} {what}")
        return None

    def status(self):
        running = self.running()
        return {
            "running": running,
            "pid": self.proc.pid if running else None,
            "tcp_port": self.tcp_port,
            "starts": self.starts,
        }


def make_handler(server):
    class Handler(BaseHTTPRequestHandler):
        def do_OPTIONS(self):
            self.reply(204, "")

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            if url.path == "/kill":
                server.kill()
                self.reply(200, "killed")
            elif url.path == "/start":
                self.started(server.start(), "started")
            elif url.path == "/restart":
                try:
                    down_ms = int(query.get("down_ms", [DEFAULT_DOWN_MS])[0])
                    if down_ms < 0:
                        raise ValueError
                except ValueError:
                    self.reply(400, "down_ms must be a whole number of milliseconds >= 0")
                    return
                server.kill()
                time.sleep(down_ms / 1000)
                self.started(server.start(), "restarted")
            elif url.path == "/lame_duck":
                self.started(server.lame_duck(), "lame duck")
            elif url.path == "/pause":
                self.started(server.signal(signal.SIGSTOP, "paused"), "paused")
            elif url.path == "/resume":
                self.started(server.signal(signal.SIGCONT, "resumed"), "resumed")
            elif url.path == "/status":
                self.reply(200, json.dumps(server.status()), "application/json")
            else:
                self.reply(
                    404,
                    "unknown path; use /kill, /start, /restart?down_ms=N, /lame_duck, /pause, "
                    "/resume, /status",
                )

        def started(self, error, body):
            if error is None:
                self.reply(200, body)
            else:
                self.reply(500, error)

        def reply(self, code, body, content_type="text/plain; charset=utf-8"):
            data = body.encode()
            self.send_response(code)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Methods", "GET, OPTIONS")
            self.send_header("Access-Control-Allow-Headers", "*")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):
            log(format % args)

    return Handler


def stdin_is_watchable():
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or os.isatty(sys.stdin.fileno())


def watch_stdin():
    """Reads stdin to EOF, then asks the main thread to shut down (as SIGTERM does)."""
    try:
        while os.read(sys.stdin.fileno(), 4096):
            pass
    except OSError:
        pass
    log("stdin closed")
    os.kill(os.getpid(), signal.SIGTERM)


class Shutdown(Exception):
    pass


def on_signal(signum, _frame):
    raise Shutdown(signal.Signals(signum).name)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nats-server", required=True, help="path of the nats-server binary")
    parser.add_argument("--config", required=True, help="nats-server config file")
    parser.add_argument("--tcp-port", required=True, type=int, help="NATS TCP client port")
    parser.add_argument("--control-port", required=True, type=int, help="HTTP control port")
    args = parser.parse_args()
    if not os.path.isfile(args.config):
        parser.error(f"--config {args.config}: no such file")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server = Server(args.nats_server, os.path.abspath(args.config), args.tcp_port)
    try:
        try:
            httpd = HTTPServer((HOST, args.control_port), make_handler(server))
        except OSError as e:
            log(f"cannot listen on {HOST}:{args.control_port}: {e}")
            return 1
        with httpd:
            error = server.start()
            if error is not None:
                log(error)
                return 1
            if stdin_is_watchable():
                threading.Thread(target=watch_stdin, daemon=True).start()
            print("ready", flush=True)
            httpd.serve_forever()
    except Shutdown as why:
        log(f"{why}: stopping")
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        server.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
