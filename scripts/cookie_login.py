#!/usr/bin/env python3
"""The page's own backend, reduced to its login: sets the NATS credential as an HttpOnly cookie.

nats-server can read a WebSocket client's credential from a cookie of the upgrade request
(`websocket { jwt_cookie: ... }`; `token_cookie`, `user_cookie`, `pass_cookie` on newer
servers). A page whose backend sets that cookie HttpOnly connects with no secret in its
JavaScript. The browser tests (tests/browser_cookie.rs) log in and out through this program:

    .venv/bin/python scripts/cookie_login.py --port 4300 --jwt-dir DIR --token TOKEN \\
        --user USER --password PASSWORD

serves http://127.0.0.1:<port> (DIR is scripts/make_jwts.py's output):

    GET /login?user=bearer       Set-Cookie: nats_jwt=<DIR/bearer.jwt>
    GET /login?user=expired      ... DIR/expired.jwt (expired an hour before it was made)
    GET /login?user=not-bearer   ... DIR/not-bearer.jwt (a user JWT without bearer_token)
    GET /login-token             Set-Cookie: nats_token=<TOKEN>
    GET /login-user              Set-Cookie: nats_user=<USER>, and nats_pass=<PASSWORD>
    GET /logout                  every one of those cookies expired (Max-Age=0)

each cookie `HttpOnly; Path=/; SameSite=Lax`, answered 200 with CORS headers that let the
request's Origin read the answer and store the cookie (`fetch(url, {credentials: "include"})`:
`Access-Control-Allow-Origin: <Origin>`, `Access-Control-Allow-Credentials: true`). Cookies are
not scoped by port: one set by 127.0.0.1:<port> goes with the WebSocket upgrade to
127.0.0.1:<any port>.

It prints `ready` once it listens; it runs until SIGTERM or SIGINT. Standard library only.
"""

import argparse
import os
import signal
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

HOST = "127.0.0.1"
JWT_COOKIE = "nats_jwt"
TOKEN_COOKIE = "nats_token"
USER_COOKIE, PASS_COOKIE = "nats_user", "nats_pass"
ATTRIBUTES = "HttpOnly; Path=/; SameSite=Lax"
USERS = ("bearer", "expired", "not-bearer")


def make_handler(jwts, token, user, password):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            if url.path == "/login":
                which = query.get("user", ["bearer"])[0]
                if which not in jwts:
                    self.reply(400, f"user must be one of {', '.join(USERS)}", [])
                    return
                cookie = f"{JWT_COOKIE}={jwts[which]}; {ATTRIBUTES}"
                self.reply(200, f"logged in as {which}", [cookie])
            elif url.path == "/login-token":
                cookie = f"{TOKEN_COOKIE}={token}; {ATTRIBUTES}"
                self.reply(200, "logged in with the token", [cookie])
            elif url.path == "/login-user":
                cookies = [
                    f"{USER_COOKIE}={user}; {ATTRIBUTES}",
                    f"{PASS_COOKIE}={password}; {ATTRIBUTES}",
                ]
                self.reply(200, f"logged in as {user}", cookies)
            elif url.path == "/logout":
                names = (JWT_COOKIE, TOKEN_COOKIE, USER_COOKIE, PASS_COOKIE)
                gone = [f"{name}=; Max-Age=0; {ATTRIBUTES}" for name in names]
                self.reply(200, "logged out", gone)
            else:
                paths = "/login?user=NAME, /login-token, /login-user, /logout"
                self.reply(404, f"unknown path; use {paths}", [])

        def reply(self, code, body, cookies):
            data = body.encode()
            self.send_response(code)
            origin = self.headers.get("Origin")
            if origin:
                self.send_header("Access-Control-Allow-Origin", origin)
                self.send_header("Access-Control-Allow-Credentials", "true")
                self.send_header("Vary", "Origin")
            for cookie in cookies:
                self.send_header("Set-Cookie", cookie)
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):
            print(f"cookie_login: {format % args}", file=sys.stderr, flush=True)

    return Handler


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", required=True, type=int, help="HTTP port on 127.0.0.1")
    parser.add_argument("--jwt-dir", required=True, help="scripts/make_jwts.py's --out directory")
    parser.add_argument("--token", required=True, help="the value of the token cookie")
    parser.add_argument("--user", required=True, help="the value of the user cookie")
    parser.add_argument("--password", required=True, help="the value of the password cookie")
    args = parser.parse_args()
    jwts = {}
    for user in USERS:
        with open(os.path.join(args.jwt_dir, f"{user}.jwt"), encoding="ascii") as f:
            jwts[user] = f.read().strip()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    handler = make_handler(jwts, args.token, args.user, args.password)
    with HTTPServer((HOST, args.port), handler) as httpd:
        print("ready", flush=True)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
