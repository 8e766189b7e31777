import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { freePort, GaveUp, waitUntil } from "../../services/daemon";
import { startRedis } from "../../services/redis-server";
import { onCleanup } from "../cleanup";
import { commandLine, descendantPids } from "../proc-stats";

/** The running peer: its URL, DevTools port and the processes its figures count. */
export interface PeerServer {
  baseUrl: string;
  inspectorPort: number;
  /** The node process and its redis-server: the peer's CPU and memory are both. */
  pids: number[];
  /** Its redis-server, for tests that look at what was stored. */
  redisUrl: string;
  /** What the peer printed (the last 8 KiB). */
  output(): string;
  stop(): Promise<void>;
}

const serverPath = fileURLToPath(new URL("./server.ts", import.meta.url));

/**
 * The peer bundled into one ES module in a temp dir, as a team would ship it: plain node
 * runs it (no TypeScript loader in the measured process's memory), and edits made in the
 * working tree meanwhile cannot change the code the figures describe.
 */
async function bundle(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "bench-peer-"));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const outfile = join(dir, "server.mjs");
  await build({
    entryPoints: [serverPath],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    // ws loads these native speed-ups only if installed; it works without them.
    external: ["bufferutil", "utf-8-validate"],
    // ws is CommonJS: its require() of Node's modules needs a require in the ES module.
    banner: { js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);' },
    logLevel: "warning",
  });
  return outfile;
}

/**
 * Starts a private redis-server and the peer (test/bench/peer/server.ts) on free ports,
 * in its own node process with an inspector port, so `--profile` works as for the Workers.
 */
export async function startPeer(jwtSecret: string): Promise<PeerServer> {
  const entry = await bundle();
  const redis = await startRedis();
  onCleanup(() => redis.dispose());
  // Ours, and not the production stack's redis-server: the one on our port (redis-server
  // rewrites its command line to "redis-server 127.0.0.1:PORT").
  const onPort = new RegExp(`(:|--port )${redis.port}\\b`);
  const redisPid = descendantPids(process.pid, "redis-server").find((pid) => onPort.test(commandLine(pid)));
  if (!redisPid) throw new Error(`cannot find the redis-server on port ${redis.port} in /proc`);
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [`--inspect=127.0.0.1:${inspectorPort}`, entry], {
    env: { ...process.env, PEER_PORT: String(port), REDIS_URL: redis.url, JWT_SECRET: jwtSecret },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d) => (log = (log + String(d)).slice(-8000)));
  child.stderr.on("data", (d) => (log = (log + String(d)).slice(-8000)));
  const exited = new Promise((r) => child.once("exit", r));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };
  onCleanup(stop);
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntil(
    "the peer's /health",
    async () => {
      if (child.exitCode !== null) throw new GaveUp(`peer exited ${child.exitCode}:\n${log}`);
      return (await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2000) })).ok;
    },
    30_000,
  );
  return { baseUrl, inspectorPort, pids: [child.pid!, redisPid], redisUrl: redis.url, output: () => log, stop };
}
