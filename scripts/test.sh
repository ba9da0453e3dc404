#!/usr/bin/env bash
# The one command that runs every check of this repo; CI runs exactly this (via .ci/run).
# On a fresh machine it first installs what is missing (wasm target, nats-server); running it
# again installs nothing. The native tests start their own nats-server processes through the
# Rust harness (tests/support/server.rs), so this script leaves no server running.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Prints a section header so a log shows which step failed.
section() {
    printf '\n==== %s ====\n' "$*"
}

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    else
        sudo "$@"
    fi
}

# Checks cargo, rustfmt and clippy are there and adds the wasm32 target when rustup exists.
ensure_rust_target() {
    section "Rust toolchain"
    if ! command -v cargo >/dev/null 2>&1; then
        echo "cargo not found: install Rust with rustup (https://rustup.rs), then rerun" >&2
        exit 1
    fi
    if command -v rustup >/dev/null 2>&1; then
        if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
            rustup target add wasm32-unknown-unknown
        fi
        cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
        cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
    else
        echo "rustup not found: not adding the wasm32-unknown-unknown target"
    fi
    cargo --version
    rustc --version
}

# Prints the path of nats-server ($NATS_SERVER_BIN, PATH, /usr/sbin), or fails.
find_nats_server() {
    if [ -n "${NATS_SERVER_BIN:-}" ]; then
        [ -x "$NATS_SERVER_BIN" ] && echo "$NATS_SERVER_BIN"
    elif command -v nats-server 2>/dev/null; then
        :
    elif [ -x /usr/sbin/nats-server ]; then
        echo /usr/sbin/nats-server
    else
        return 1
    fi
}

# Installs nats-server from apt when it is missing and exports NATS_SERVER_BIN.
ensure_nats_server() {
    section "nats-server"
    if [ -n "${NATS_SERVER_BIN:-}" ] && [ ! -x "$NATS_SERVER_BIN" ]; then
        echo "NATS_SERVER_BIN=$NATS_SERVER_BIN is not an executable; unset it or fix it" >&2
        exit 1
    fi
    if ! find_nats_server >/dev/null; then
        if ! command -v apt-get >/dev/null 2>&1; then
            echo "nats-server not found and no apt-get: install nats-server 2.9+ by hand" >&2
            exit 1
        fi
        echo "nats-server not found: installing it with apt-get"
        as_root apt-get update
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y nats-server
    fi
    NATS_SERVER_BIN="$(find_nats_server)" || {
        echo "nats-server still not found after installing it" >&2
        exit 1
    }
    export NATS_SERVER_BIN
    echo "NATS_SERVER_BIN=$NATS_SERVER_BIN"
    "$NATS_SERVER_BIN" --version
}

# Formatting, lints, unit and integration tests, doc tests (native target).
run_native_tests() {
    section "cargo fmt --check"
    cargo fmt --all -- --check

    section "cargo clippy -D warnings"
    cargo clippy --all-targets -- -D warnings

    section "cargo test (native, all targets)"
    cargo test --all-targets

    section "cargo test --doc"
    cargo test --doc
}

# ---------------------------------------------------------------------------
# LATER STEPS go here, each as a function called from main below, e.g.:
#   ensure_browser_tools   # wasm-pack, trunk, a headless browser
#   run_browser_tests      # wasm-pack test --headless ...
#   build_demo             # trunk build
#   run_e2e_check          # demo page against nats-server started from nats/dev.conf
# A step that starts a server must stop it by PID (trap ... EXIT), never by name.
# ---------------------------------------------------------------------------

main() {
    ensure_rust_target
    ensure_nats_server
    run_native_tests
    # (later steps are called here)
    section "All checks passed"
}

main "$@"
