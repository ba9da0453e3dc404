#!/usr/bin/env bash
# The benchmark, one command: builds this client's benchmark and client-only pages (release),
# bundles @nats-io/nats-core, @nats-io/kv and the raw-WebSocket floor (bench/, pinned in its
# lockfile), starts one nats-server with JetStream (its store in the temp dir) on free 127.0.0.1
# ports, runs every workload for each client in headless Chromium (scripts/bench.py; RUNS=5 by
# default, ONLY=<workloads>, CLIENTS=<clients>: comma-separated) and prints the table, the
# Key-Value rows against @nats-io/kv with their targets. Then the native micro-benchmark of the
# parser and encoder. Not part of the test command.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

ensure_rust
ensure_python
ensure_nats_server
ensure_web_tools
ensure_browser_tools

section "build: demo page, benchmark page, client-only page"
trunk build --release
trunk build --release --public-url /ours/ --dist target/bench/ours bench/ours.html
trunk build --release --public-url /ours-kv/ --dist target/bench/ours-kv bench/ours-kv.html
trunk build --release --dist target/bench/minimal bench/minimal.html
trunk build --release --dist target/bench/minimal-nkey bench/minimal-nkey.html
trunk build --release --dist target/bench/minimal-service bench/minimal-service.html
trunk build --release --dist target/bench/minimal-kv bench/minimal-kv.html
trunk build --release --dist target/bench/floor bench/floor.html

section "build: @nats-io/nats-core, @nats-io/kv and raw-WebSocket pages"
(cd bench && npm ci --no-audit --no-fund && npm run build)

section "nats-server (with JetStream) for the benchmark"
dir="$(mktemp -d)"
tcp="$(free_port)"
ws="$(free_port)"
write_server_conf "$dir/bench.conf" bench "$tcp" "$ws" \
    "jetstream { store_dir: \"$dir/jetstream\", max_memory_store: 256MB, max_file_store: 2GB }"
trap stop_servers EXIT
start_server "$dir/bench.conf" "$dir/server.log" "$tcp"

section "browser benchmark"
"$PYTHON" scripts/bench.py --servers "ws://127.0.0.1:$ws" --runs "${RUNS:-5}" ${ONLY:+--only "$ONLY"} \
    ${CLIENTS:+--clients "$CLIENTS"}

section "native micro-benchmark: parser and encoder"
cargo bench -p nats-core --bench proto
