import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../node/support/dev-server";
import { onCleanup } from "./cleanup";

/** A `wrangler dev` we started: its URL and the pid whose workerd children we measure. */
export interface DevServer {
  name: string;
  baseUrl: string;
  /** wrangler's DevTools endpoint for the Worker (CPU profiles, see profiler.ts). */
  inspectorPort: number;
  pid: number;
  /** What wrangler and workerd printed (the last 64 KiB), for a run that went wrong. */
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  configPath: string;
  vars: Record<string, string>;
  /** Apply the config's D1 migrations to the persist dir first (the product needs its tables). */
  d1Migrations?: string;
}

/**
 * `X_LOCAL_OBSERVABILITY=false`: wrangler dev otherwise gives every Worker a streaming tail
 * into a JS collector (its local observability), which runs in the same process for every
 * event and span: 1.5–1.8 ms of CPU per message here, for the baseline as for the
 * product. Nothing like it runs beside a deployed Worker, so the figures leave it out.
 */
const wranglerEnv = () => ({ ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1", X_LOCAL_OBSERVABILITY: "false" });

function run(args: string[], logTo: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("wrangler", args, { env: wranglerEnv(), stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (d) => logTo.push(String(d)));
    child.stderr.on("data", (d) => logTo.push(String(d)));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`wrangler ${args[0]} exited ${code}:\n${logTo.join("")}`))));
  });
}

async function waitForHealth(url: string, child: ChildProcess, log: string[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited ${child.exitCode}:\n${log.join("")}`);
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`wrangler dev did not answer /health within ${timeoutMs} ms:\n${log.join("").slice(-4000)}`);
}

/**
 * Starts `wrangler dev` on 127.0.0.1 with a fresh persist dir, its own port and inspector
 * port (two instances run side by side), and exactly the given vars: they go in as `--var`,
 * and the config's directory is a snapshot without a `.dev.vars` (see snapshot.ts).
 */
export async function startWranglerDev(opts: StartOptions): Promise<DevServer> {
  const dir = mkdtempSync(join(tmpdir(), `bench-${opts.name}-`));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const persist = join(dir, "state");
  const log: string[] = [];
  if (opts.d1Migrations) {
    await run(["d1", "migrations", "apply", opts.d1Migrations, "--local", "--config", opts.configPath, "--persist-to", persist], log);
  }
  const [port, inspector] = [await freePort(), await freePort()];
  const child = spawn(
    "wrangler",
    ["dev", "--config", opts.configPath, "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector),
      "--persist-to", persist, ...Object.entries(opts.vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]), "--log-level", "warn", "--show-interactive-dev-session=false"],
    // Own process group, so stop() ends wrangler and its workerd together.
    { env: wranglerEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  child.stdout!.on("data", (d) => log.push(String(d)));
  child.stderr!.on("data", (d) => log.push(String(d)));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    }
  };
  onCleanup(stop);
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForHealth(baseUrl, child, log, 90_000);
  const output = () => log.join("").slice(-65_536);
  return { name: opts.name, baseUrl, inspectorPort: inspector, pid: child.pid!, output, stop };
}
