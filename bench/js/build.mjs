// npm run build: bundles the benchmark pages into bench/dist/ and prints gzip -9 sizes.
//   dist/natscore.html + natscore.js   the @nats-io/nats-core page (iife, minified, es2020)
//   dist/kv.html + kv.js               the @nats-io/kv page (same settings)
//   dist/raw.html + raw.js             the raw-WebSocket floor (same settings)
//   dist/natscore-only.min.js          just `export * from "@nats-io/nats-core"` (esm, minified)
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const bench = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(bench, "dist");
mkdirSync(dist, { recursive: true });

const common = { bundle: true, minify: true, target: "es2020", logLevel: "warning", legalComments: "none" };

for (const page of ["natscore", "kv", "raw"]) {
  await build({ ...common, entryPoints: [join(bench, "js", `${page}.js`)], outfile: join(dist, `${page}.js`), format: "iife" });
  copyFileSync(join(bench, "js", `${page}.html`), join(dist, `${page}.html`));
}
await build({
  ...common,
  stdin: { contents: 'export * from "@nats-io/nats-core";', resolveDir: bench, loader: "js" },
  outfile: join(dist, "natscore-only.min.js"),
  format: "esm",
});

// `gzip -9 -n` (GNU gzip, what the size table quotes) when it is there; Node's zlib at level 9
// as well, which compresses a little differently.
function gnuGzip(bytes) {
  try {
    return execFileSync("gzip", ["-9", "-n", "-c"], { input: bytes, maxBuffer: 1 << 26 }).length;
  } catch {
    return undefined;
  }
}
for (const file of ["natscore-only.min.js", "natscore.js", "kv.js", "raw.js"]) {
  const bytes = readFileSync(join(dist, file));
  const gnu = gnuGzip(bytes);
  const zlib = gzipSync(bytes, { level: 9 }).length;
  console.log(
    `dist/${file}: ${bytes.length} bytes; gzip -9: ${gnu ?? "(no gzip)"} bytes; node zlib level 9: ${zlib} bytes`,
  );
}
