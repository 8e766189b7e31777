import { runThenCleanUp } from "../cleanup";
import { snapshotWorker } from "../snapshot";
import { startWranglerDev } from "../wrangler-server";
import { fileURLToPath } from "node:url";

/**
 * `npm run bench:eviction [-- N1,N2,… [MODE,…]]`: how long workerd's one thread stalls when
 * it evicts many idle Durable Objects at once. For each N (default 0, 150, 400) it wakes N
 * new objects, then pings the Worker every 5 ms for 16 s and reports the slowest pings and
 * when they came (seconds after the wake). N = 0 is the machine's own noise. MODE is what
 * each object does with its SQLite when woken: `write` (default: a table and a row),
 * `read` (one query) or `none`; the stall is about the same in all three (2026-12-03:
 * 400 objects, 230–262 ms), so it is the object's teardown, not its storage. This is the
 * product's seed-preset tail (README "Where the product's tail comes from"): 50
 * auto-starts wake ~150 inbox and push objects, evicted together 10 s later.
 */

const repo = fileURLToPath(new URL("../../..", import.meta.url));
const PING_EVERY_MS = 5;
const WATCH_MS = 16_000;

async function watch(baseUrl: string, n: number, prefix: string, storage: string) {
  await (await fetch(`${baseUrl}/wake?n=${n}&prefix=${prefix}&storage=${storage}`)).text();
  const from = performance.now();
  const pings: { atS: number; ms: number }[] = [];
  while (performance.now() - from < WATCH_MS) {
    const start = performance.now();
    await (await fetch(`${baseUrl}/ping`)).text();
    pings.push({ atS: (start - from) / 1000, ms: performance.now() - start });
    await new Promise((r) => setTimeout(r, PING_EVERY_MS));
  }
  const sorted = pings.map((p) => p.ms).sort((a, b) => a - b);
  const worst = [...pings].sort((a, b) => b.ms - a.ms).slice(0, 3);
  return { n, pings: pings.length, p99: sorted[Math.floor(sorted.length * 0.99)]!, worst };
}

async function main() {
  const counts = (process.argv[2] ?? "0,150,400").split(",").map(Number);
  const storages = (process.argv[3] ?? "write").split(",");
  const server = await startWranglerDev({ name: "eviction", configPath: snapshotWorker(repo, "test/bench/eviction", "bench-eviction-src-"), vars: {} });
  console.log("| storage | objects woken | pings | ping p99 (ms) | slowest pings: ms at s after the wake |\n|---|---:|---:|---:|---|");
  for (const storage of storages) {
    for (const [i, n] of counts.entries()) {
      const r = await watch(server.baseUrl, n, `${storage}${i}`, storage);
      const worst = r.worst.map((w) => `${w.ms.toFixed(1)} at ${w.atS.toFixed(1)}`).join(", ");
      console.log(`| ${storage} | ${n} | ${r.pings} | ${r.p99.toFixed(1)} | ${worst} |`);
    }
  }
}

runThenCleanUp(main);
