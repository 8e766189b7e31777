import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { startRedis } from "../../services/redis-server";
import { startUpstashGateway } from "../../services/upstash-gateway";
import { freePort } from "../../node/support/dev-server";
import { onCleanup, runThenCleanUp } from "../cleanup";
import { cpuSeconds, workerdPids } from "../proc-stats";
import { startWranglerDev } from "../wrangler-server";
/** What each request is (see worker.ts). */
type Mode = "fetch" | "append";

/**
 * `npm run bench:outbound [-- REQUESTS ROUNDS]`: what one request from a Durable Object to
 * the Upstash stand-in costs workerd's CPU, under `wrangler dev` (how the benchmark runs
 * the product) and under workerd alone with a plain config (how a deployed Worker makes
 * it: no dev-only outbound Worker between it and the network). The same bundle runs in
 * both. `wrangler dev` hands every outbound fetch to a Worker of its own first (miniflare's
 * outbound interceptor, which rewrites a header and fetches again), so a request there
 * costs two Worker invocations on the one thread; the difference is what the
 * production-stack figures of `npm run bench` carry that a deployment would not
 * (README, "Reading the production stack's figures").
 */

const here = fileURLToPath(new URL(".", import.meta.url));
const COMPAT_DATE = "2026-10-01";
const TOKEN = "outbound-probe-token";

interface Server {
  name: string;
  baseUrl: string;
  pids(): number[];
}

async function bundle(dir: string): Promise<string> {
  const outfile = join(dir, "worker.js");
  await build({
    entryPoints: [join(here, "worker.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "node:*"],
    outfile,
    logLevel: "warning",
  });
  return outfile;
}

async function underWrangler(dir: string, upstashUrl: string): Promise<Server> {
  const config = join(dir, "wrangler.toml");
  writeFileSync(
    config,
    [`name = "bench-outbound"`, `main = "worker.js"`, `compatibility_date = "${COMPAT_DATE}"`, `no_bundle = true`,
      `[[durable_objects.bindings]]`, `name = "REQUESTER"`, `class_name = "Requester"`,
      `[[migrations]]`, `tag = "v1"`, `new_sqlite_classes = ["Requester"]`].join("\n"),
  );
  writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, type: "module" }));
  const server = await startWranglerDev({ name: "outbound", configPath: config, vars: { UPSTASH_URL: upstashUrl, UPSTASH_TOKEN: TOKEN } });
  // Looked up at each round: wrangler may restart its workerd once after the first build.
  return { name: "wrangler dev", baseUrl: server.baseUrl, pids: () => workerdPids(server.pid) };
}

/** workerd with the Worker, its Durable Object on disk and the network as its only outbound. */
async function underWorkerd(dir: string, upstashUrl: string): Promise<Server> {
  const port = await freePort();
  const config = join(dir, "plain.capnp");
  writeFileSync(
    config,
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .probe),
    (name = "network", network = (allow = ["public", "private", "local"])),
    (name = "storage", disk = (path = "${join(dir, "storage")}", writable = true)),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const probe :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "${COMPAT_DATE}",
  bindings = [
    (name = "REQUESTER", durableObjectNamespace = "Requester"),
    (name = "UPSTASH_URL", text = "${upstashUrl}"),
    (name = "UPSTASH_TOKEN", text = "${TOKEN}"),
  ],
  durableObjectNamespaces = [(className = "Requester", uniqueKey = "bench-outbound-requester", enableSql = true)],
  durableObjectStorage = (localDisk = "storage"),
  globalOutbound = "network",
);
`,
  );
  mkdirSync(join(dir, "storage"));
  const binary = (createRequire(import.meta.url)("workerd") as { default: string }).default;
  const child = spawn(binary, ["serve", "--experimental", config], { stdio: ["ignore", "inherit", "inherit"] });
  onCleanup(async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) break;
    } catch {
      if (tries > 100) throw new Error("workerd did not answer /health");
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { name: "workerd alone", baseUrl, pids: () => [child.pid!] };
}

/** workerd's CPU per request (µs) for one round of `n` requests in a row. */
async function round(server: Server, mode: Mode, n: number): Promise<number> {
  const before = cpuSeconds(server.pids());
  const res = await fetch(`${server.baseUrl}/run?mode=${mode}&n=${n}`);
  if (!res.ok) throw new Error(`${server.name} /run: ${res.status} ${await res.text()}`);
  await res.json();
  return ((cpuSeconds(server.pids()) - before) * 1e6) / n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const requests = Number(process.argv[2] ?? 1_500);
  const rounds = Number(process.argv[3] ?? 5);
  const dir = mkdtempSync(join(tmpdir(), "bench-outbound-"));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  await bundle(dir);
  const redis = await startRedis();
  onCleanup(() => redis.stop());
  const upstash = await startUpstashGateway({ redisUrl: redis.url, token: TOKEN });
  onCleanup(() => upstash.close());
  const servers = [await underWrangler(dir, upstash.url), await underWorkerd(dir, upstash.url)];
  const modes: Mode[] = ["fetch", "append"];
  const figures = new Map<string, number[]>();
  for (const server of servers) for (const mode of modes) await round(server, mode, 100); // warm up
  // Rounds interleaved, so a slow moment of the machine falls on every cell alike.
  for (let r = 0; r < rounds; r++) {
    for (const server of servers) {
      for (const mode of modes) {
        const key = `${server.name}|${mode}`;
        figures.set(key, [...(figures.get(key) ?? []), await round(server, mode, requests)]);
      }
    }
  }
  const cell = (server: Server, mode: Mode) => median(figures.get(`${server.name}|${mode}`)!);
  console.log(`workerd CPU per request (µs), median of ${rounds} rounds of ${requests} requests in a row\n`);
  console.log(`| request | ${servers.map((s) => s.name).join(" | ")} | difference |\n|---|${servers.map(() => "---:|").join("")}---:|`);
  for (const mode of modes) {
    const [dev, plain] = servers.map((s) => cell(s, mode));
    const label = mode === "fetch" ? "bare fetch of one RPUSH" : "UpstashMessageStore.append of one message";
    console.log(`| ${label} | ${dev!.toFixed(0)} | ${plain!.toFixed(0)} | ${(dev! - plain!).toFixed(0)} |`);
  }
}

runThenCleanUp(main);
