#!/usr/bin/env bash
# Trunk post_build hook (Trunk.toml): in release builds, minifies the JavaScript glue that
# wasm-bindgen wrote into the staging directory, with esbuild from tools/ (pinned in
# tools/package-lock.json). trunk 0.21 minifies HTML and CSS itself but not this file, and
# minifying it takes a quarter off the page's JavaScript after gzip.
set -euo pipefail

[ "${TRUNK_PROFILE:-}" = release ] || exit 0
root="$(cd "$(dirname "$0")/.." && pwd)"
esbuild="$root/tools/node_modules/.bin/esbuild"
if [ ! -x "$esbuild" ]; then
    echo "minify-js: $esbuild is missing: run (cd tools && npm ci)" >&2
    exit 1
fi
shopt -s nullglob
for js in "$TRUNK_STAGING_DIR"/*.js; do
    "$esbuild" "$js" --minify --format=esm --log-level=warning --outfile="$js" --allow-overwrite
done
