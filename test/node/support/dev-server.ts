/**
 * Runs the Worker under `wrangler dev` for end-to-end tests (Node side).
 *
 *   const server = await startDevServer({ vars: { JWT_SECRET: "…", ...stack.vars } });
 *   await fetch(`${server.url}/health`);   // ws: server.url.replace("http", "ws")
 *   await server.stop();
 *
 * Each server gets free ports on 127.0.0.1, a fresh `--persist-to` directory with the D1
 * migrations applied (kept across `crash()` and `restart()`), and exactly the given variables: they are written to a private env
 * file, so a developer's own `.dev.vars` never leaks into a test run.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(import.meta.url), "../../../..");
const wrangler = join(root, "node_modules/.bin/wrangler");

export interface DevServerOptions {
  /** Worker variables and secrets (JWT_SECRET at least). */
  vars: Record<string, string>;
  /** How long to wait for /health before giving up (default 90 s: a cold start on a small machine). */
  startTimeoutMs?: number;
  /** Another Worker's wrangler.toml (a test-only Worker: no D1 migrations, no build step). */
  config?: string;
}

export interface DevServer {
  /** `http://127.0.0.1:{port}` */
  url: string;
  port: number;
  /** Everything wrangler printed so far (for failure messages). */
  output(): string;
  /**
   * SIGKILLs wrangler's whole process group (wrangler and its workerd) at once, as a
   * crashing host would: no shutdown, no flush. The `--persist-to` state stays.
   */
  crash(): Promise<void>;
  /** Starts wrangler dev again on the same port and the same `--persist-to` state. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * dotenv reads double-quoted values with escapes but cannot unescape an inner `"`; a JSON
 * value (FCM_SERVICE_ACCOUNT) goes in single quotes, which dotenv takes literally.
 */
function envFileText(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([name, value]) => `${name}=${value.includes('"') && !/['\n]/.test(value) ? `'${value}'` : JSON.stringify(value)}`)
    .join("\n");
}

const childEnv = () => ({ ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" });

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const dir = mkdtempSync(join(tmpdir(), "chat-e2e-"));
  const persist = join(dir, "state");
  const envFile = join(dir, "vars.env");
  writeFileSync(envFile, envFileText(options.vars));

  const migrate = options.config
    ? { status: 0, stdout: "", stderr: "" }
    : spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], {
        cwd: root,
        env: childEnv(),
        encoding: "utf8",
      });
  if (migrate.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`applying D1 migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);
  }

  const [port, inspectorPort] = [await freePort(), await freePort()];
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort)];
  args.push("--persist-to", persist, "--env-file", envFile, "--show-interactive-dev-session=false", "--log-level", "warn");
  if (options.config) args.push("--config", options.config);
  let output = "";
  let running: { child: ChildProcess; exited: Promise<void> } | null = null;
  const launch = async () => {
    // Own process group, so stop() and crash() reach wrangler and the workerd it started, and nothing else.
    const child = spawn(wrangler, args, { cwd: root, env: childEnv(), detached: true, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    running = { child, exited: new Promise<void>((r) => child.once("exit", () => r())) };
    await waitForHealth(server, child, options.startTimeoutMs ?? 90_000);
  };

  const server: DevServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    output: () => output,
    crash: async () => {
      if (running) await killGroup(running.child, running.exited, "SIGKILL");
      // workerd dies with the group; wait until the port is really free for the restart.
      await untilPortFree(port);
    },
    restart: async () => {
      if (running) await stopGroup(running.child, running.exited);
      await launch();
    },
    stop: async () => {
      if (running) await stopGroup(running.child, running.exited);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await launch();
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}

async function waitForHealth(server: DevServer, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${server.output()}`);
    try {
      const res = await fetch(`${server.url}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not answer /health within ${timeoutMs} ms:\n${server.output()}`);
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

async function stopGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  signalGroup(child, "SIGTERM");
  const timer = setTimeout(() => signalGroup(child, "SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

async function untilPortFree(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const free = await new Promise<boolean>((resolveFree) => {
      const probe = createServer();
      probe.once("error", () => resolveFree(false));
      probe.listen(port, "127.0.0.1", () => probe.close(() => resolveFree(true)));
    });
    if (free) return;
    if (Date.now() > deadline) throw new Error(`port ${port} still in use ${timeoutMs} ms after the crash`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Kills the group with `signal` and waits until wrangler is gone. */
async function killGroup(child: ChildProcess, exited: Promise<void>, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  signalGroup(child, signal);
  await exited;
}
