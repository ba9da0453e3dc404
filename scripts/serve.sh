#!/usr/bin/env bash
# Run it: installs what is missing, starts nats-server from nats/dev.conf (TCP 4222, WebSocket
# 4280, monitoring 8222, all on 127.0.0.1; JetStream on, stored in target/nats-dev-jetstream, for
# the page's greetings bucket), and serves the page with `trunk serve`, rebuilding on change.
# Ctrl-C stops both. Open the URL it prints.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

ensure_rust
ensure_nats_server
ensure_web_tools

section "nats-server (nats/dev.conf)"
trap stop_servers EXIT
start_server nats/dev.conf "${TMPDIR:-/tmp}/nats-web-dev-server.log" 4222
echo "nats-server is up: nats://127.0.0.1:4222, ws://127.0.0.1:4280, JetStream in target/nats-dev-jetstream (log: ${TMPDIR:-/tmp}/nats-web-dev-server.log)"

section "trunk serve"
echo "Open http://127.0.0.1:8080/ (or http://127.0.0.1:8080/?servers=ws://127.0.0.1:4280)"
trunk serve
