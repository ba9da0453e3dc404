#!/usr/bin/env bash
# The JSON candidates for JetStream, measured (README, "Page weight"): serde + serde_json,
# miniserde, nanoserde and serde-json-core, each reading the same StreamInfo type
# (bench/json-candidates/, a crate and lockfile of its own, one cargo feature per candidate).
# Prints
#   (a) the wasm gzip -9 each adds to the client-only page (trunk release, wasm-opt -Oz): the page
#       of bench/json-candidates/src/page.rs asking for a StreamInfo, parsing it (and, "+ write",
#       writing the config back) with the candidate, against the same page showing the text;
#       "team" is the client's own nats_core::jetstream::StreamInfo (serde_json); and what
#       moving INFO/CONNECT from proto/json.rs to serde_json costs (info-via-serde.patch applied
#       to a copy of crates/: serde_json reads INFO when `jetstream` is on), on a page with the
#       feature on but unused (the cost for a page that has no other JSON) and on the team pages
#       (the cost for a page that carries serde_json anyway);
#   (b) native parse speed of the real StreamInfo replies (ns per parse, MB/s);
#   (c) what each candidate gets right or wrong (see src/measure.rs).
# The replies are nats-server 2.15.1's and 2.9.10's (bench/json-candidates/replies/); CAPTURE=1
# captures them again first (bench/json-candidates/capture.py). ONLY=sizes|native skips a half.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TOOL="$ROOT/bench/json-candidates"
CANDIDATES=(serde_json miniserde nanoserde serde_json_core)
cd "$TOOL"

ensure_rust
if [ -n "${CAPTURE:-}" ]; then
    ensure_python
    ensure_nats_server
    section "capture StreamInfo replies"
    "$PYTHON" capture.py "$(venv_nats_server)" replies/stream_info_2.15.1.json
    "$PYTHON" capture.py "$NATS_SERVER_BIN" replies/stream_info_2.9.10.json
fi

# Writes the page's HTML for cargo features $2 into $1/.pages/<name>.html and builds it with
# trunk (release) into target/pages/<name>; prints the wasm's gzip -9 bytes.
page_gz() {
    local tree="$1" name="$2" features="$3"
    mkdir -p "$tree/.pages"
    cat >"$tree/.pages/$name.html" <<EOF
<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><title>json candidate $name</title>
<link data-trunk rel="rust" href="../Cargo.toml" data-bin="page" data-wasm-opt="z"${features:+ data-cargo-features=\"$features\"} />
</head><body><pre id="result"></pre></body></html>
EOF
    (cd "$tree" && CARGO_TARGET_DIR="$TOOL/target" trunk build --release --dist "$TOOL/target/pages/$name" ".pages/$name.html" >"$TOOL/target/pages-$name.log" 2>&1) \
        || { echo "build of $name failed: $TOOL/target/pages-$name.log" >&2; exit 1; }
    gzip -9c "$TOOL"/target/pages/"$name"/*_bg.wasm | wc -c
}

if [ "${ONLY:-sizes}" = sizes ]; then
    ensure_web_tools
    mkdir -p target
    section "(a) wasm gzip -9 of the client-only page asking for a StreamInfo"
    base="$(page_gz "$TOOL" none "")"
    printf '%-34s %8s %8s\n' "page" "wasm gz" "delta"
    printf '%-34s %8d %8s\n' "text only (baseline)" "$base" ""
    for c in "${CANDIDATES[@]}" team; do
        for w in "" ",write"; do
            gz="$(page_gz "$TOOL" "$c${w/,/-}" "$c$w")"
            printf '%-34s %8d %+8d\n' "$c${w:+ + write}" "$gz" "$((gz - base))"
        done
    done
    gz="$(page_gz "$TOOL" jetstream-unused jetstream)"
    printf '%-34s %8d %+8d\n' "text only, jetstream feature on" "$gz" "$((gz - base))"
    # INFO/CONNECT through serde_json when `jetstream` is on: the same pages over a patched copy
    # of crates/, against the same pages unpatched.
    copy="$(mktemp -d)"
    trap 'rm -rf "$copy"' EXIT
    mkdir -p "$copy/bench/json-candidates"
    cp -r "$ROOT/crates" "$copy/"
    # The libraries inherit [workspace.package] from the root manifest; the demo is not copied.
    { printf '[workspace]\nmembers = ["crates/nats-core", "crates/nats-web"]\nresolver = "2"\n\n'
      sed -n '/^\[workspace.package\]/,/^$/p' "$ROOT/Cargo.toml"; } >"$copy/Cargo.toml"
    tar -C "$TOOL" --exclude=./target --exclude=./.pages -cf - . | tar -C "$copy/bench/json-candidates" -xf -
    (cd "$copy" && patch -s -p1 <"$TOOL/info-via-serde.patch")
    for v in jetstream-unused:jetstream team:team team-write:team,write; do
        name="${v%%:*}" features="${v#*:}"
        before="$(gzip -9c "$TOOL"/target/pages/"$name"/*_bg.wasm | wc -c)"
        gz="$(page_gz "$copy/bench/json-candidates" "info-serde-$name" "$features")"
        printf '%-34s %8d %+8d\n' "INFO/CONNECT via serde: $name" "$gz" "$((gz - before))"
    done
fi

if [ "${ONLY:-native}" = native ]; then
    section "(b) parse speed and (c) checks, native (profile measure: opt-level 3)"
    for c in "${CANDIDATES[@]}"; do
        cargo run -q --profile measure --bin measure --features "$c" -- replies
    done
fi
