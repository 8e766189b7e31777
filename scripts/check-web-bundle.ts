/**
 * `npm run lint` (with dependency-cruiser, which cannot parse the app's .tsx files):
 * bundles the browser app as `build:web` does and checks what went into it and how big
 * it is. The app may import only src/web, src/protocol and src/domain from this repo and
 * only its few browser packages from node_modules; its JS must stay within 60 KiB gzip.
 */
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const ALLOWED = [/^src\/(web|protocol|domain)\//, /^node_modules\/(preact|@preact\/signals|@preact\/signals-core|partysocket|event-target-polyfill)\//];
const BUDGET_BYTES = 60 * 1024;

const result = await build({
  entryPoints: ["src/web/main.tsx"],
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  outdir: "/tmp/check-web-bundle",
  write: false,
  metafile: true,
  logLevel: "warning",
});
const strays = Object.keys(result.metafile.inputs).filter((path) => !ALLOWED.some((ok) => ok.test(path)));
const js = result.outputFiles.find((f) => f.path.endsWith(".js"))!;
const gzipped = gzipSync(js.contents).byteLength;
console.log(`web bundle: ${(js.contents.byteLength / 1024).toFixed(1)} KiB, ${(gzipped / 1024).toFixed(1)} KiB gzip`);
if (strays.length) console.error(`the browser app imports what it may not:\n  ${strays.join("\n  ")}`);
if (gzipped > BUDGET_BYTES) console.error(`the app's JS is over its budget of ${BUDGET_BYTES / 1024} KiB gzip`);
process.exit(strays.length || gzipped > BUDGET_BYTES ? 1 : 0);
