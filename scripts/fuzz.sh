#!/usr/bin/env bash
# Fuzzes the server-op parser, the connection state machine (one server's bytes, and whole
# sessions with lost transports and reconnects), the service and JetStream JSON readers, the
# ordered consumer's state machine and the Key-Value entry readers with cargo-fuzz (libFuzzer,
# nightly Rust), starting from the seeds in fuzz/seeds/<target>/ (the JetStream ones are the
# replies of real servers, tests/fixtures/jetstream in nats-core).
#
#   scripts/fuzz.sh                         # every target, 60 s each
#   scripts/fuzz.sh 300                     # every target, 300 s each
#   FUZZ_SECONDS=300 scripts/fuzz.sh        # the same
#   scripts/fuzz.sh 120 connection_input    # one target
#
# One libFuzzer process per target, inputs up to FUZZ_MAX_LEN bytes (default 8192). New inputs go
# to fuzz/corpus/<target>/ and crashes to fuzz/artifacts/<target>/ (both git-ignored), so a
# later run continues from what an earlier one found. Installs cargo-fuzz when it is missing.
# Exits non-zero if any target found a crash; reproduce one with
#   cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

ALL_TARGETS=(parse_server_op connection_input connection_session service_json jetstream_json ordered_consumer kv_entry)
seconds="${1:-${FUZZ_SECONDS:-60}}"
shift $(($# > 0 ? 1 : 0))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")
max_len="${FUZZ_MAX_LEN:-8192}"

case "$seconds" in
'' | *[!0-9]*)
    echo "usage: $0 [seconds] [target...]   (targets: ${ALL_TARGETS[*]})" >&2
    exit 2
    ;;
esac

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    echo "==== installing the nightly toolchain (cargo-fuzz needs it) ===="
    rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "==== installing cargo-fuzz ===="
    cargo install cargo-fuzz --locked || cargo install cargo-fuzz
fi

failed=()
summaries=()
for target in "${targets[@]}"; do
    seeds="fuzz/seeds/$target"
    corpus="fuzz/corpus/$target"
    if [ ! -d "$seeds" ]; then
        echo "unknown target $target (no $seeds)" >&2
        exit 2
    fi
    mkdir -p "$corpus"
    log="$(mktemp)"
    echo "==== $target: ${seconds}s, max_len $max_len ===="
    # The corpus directory comes first: libFuzzer writes new inputs there, never into the seeds.
    status=0
    (cd fuzz && cargo +nightly fuzz run "$target" "../$corpus" "../$seeds" -- \
        -max_total_time="$seconds" -max_len="$max_len" -print_final_stats=1) 2>&1 |
        tee "$log" || status=$?
    done_line="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)"
    execs="$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' || true)"
    rate="$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}' || true)"
    summaries+=("$target: execs=${execs:-?} exec/s=${rate:-?} ${done_line:-(no DONE line)}")
    rm -f "$log"
    if [ "$status" -ne 0 ]; then
        failed+=("$target")
    fi
done

echo
echo "==== summary ===="
printf '%s\n' "${summaries[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "FAILED: ${failed[*]} (see fuzz/artifacts/<target>/)" >&2
    exit 1
fi
echo "no crashes"
