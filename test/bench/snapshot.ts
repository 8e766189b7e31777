import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onCleanup } from "./cleanup";

/**
 * Private copies of the Workers under test, one per benchmark run. `wrangler dev`
 * rebuilds and reloads a Worker (closing every socket) whenever a file its build read
 * changes, package.json included; running from a copy keeps edits made meanwhile in the
 * working tree out of the measurement and pins the code the figures describe.
 */
function copyInto(prefix: string, from: string, entries: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const entry of entries) {
    if (existsSync(join(from, entry))) cpSync(join(from, entry), join(dir, entry), { recursive: true });
  }
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The product: its sources and config; node_modules is linked, not copied. Returns the config path. */
export function snapshotProduct(repo: string): string {
  const dir = copyInto("bench-product-src-", repo, ["src", "migrations", "public", "wrangler.toml", "package.json", "tsconfig.json"]);
  symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"), "dir");
  return join(dir, "wrangler.toml");
}

/** A one-file Worker (`worker.ts` and its config, under `folder`), plus the package.json that makes it an ES module. */
export function snapshotWorker(repo: string, folder: string, prefix: string): string {
  const dir = copyInto(prefix, join(repo, folder), ["worker.ts", "wrangler.toml"]);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, type: "module" }));
  return join(dir, "wrangler.toml");
}

/** The baseline (test/bench/baseline). */
export const snapshotBaseline = (repo: string) => snapshotWorker(repo, "test/bench/baseline", "bench-baseline-src-");
