import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onCleanup } from "./cleanup";

/**
 * A private copy of the product's sources for one benchmark run. `wrangler dev` rebuilds
 * and reloads the Worker (closing every socket) whenever a source file changes; running
 * from a copy keeps edits made meanwhile in the working tree out of the measurement, and
 * pins the code that the figures describe. node_modules is linked, not copied.
 */
export function snapshotProduct(repo: string): string {
  const dir = mkdtempSync(join(tmpdir(), "bench-product-src-"));
  for (const entry of ["src", "migrations", "public", "wrangler.toml", "package.json", "tsconfig.json"]) {
    if (existsSync(join(repo, entry))) cpSync(join(repo, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"), "dir");
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "wrangler.toml");
}
