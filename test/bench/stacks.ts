import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { onCleanup } from "./cleanup";
import { processTreePids } from "./proc-stats";

/**
 * The product's configuration under load. `embedded`: the Cloudflare-native defaults
 * (DO SQLite, D1, R2), only a JWT secret. `production`: the production adapters against
 * the real services that test/services/stack.ts starts (redis behind the Upstash-REST
 * gateway, MariaDB behind the PlanetScale-HTTP gateway, s3rver behind its SigV4 front).
 */
export interface Stack {
  name: "embedded" | "production";
  vars: Record<string, string>;
  /**
   * The processes of the stack's services (the stack process, its gateways, redis-server,
   * MariaDB): on this machine they share the cores with the system under test, so their
   * CPU is reported beside its own. None on the embedded stack.
   */
  pids(): number[];
}

export class StackUnavailable extends Error {}

export async function prepareStack(name: Stack["name"], jwtSecret: string): Promise<Stack> {
  // A load test: thousands of consultations from a few hundred users, past any per-user limit.
  const vars = { JWT_SECRET: jwtSecret, MAX_OPEN_REQUESTS: "0", CREATES_PER_HOUR: "0" };
  if (name === "embedded") return { name, vars, pids: () => [] };
  let started: { vars: Record<string, string>; pid: number };
  try {
    started = await startStackProcess();
  } catch (e) {
    throw new StackUnavailable(`--stack production is unavailable: starting test/services/stack.ts failed: ${(e as Error).message}`);
  }
  return { name, vars: { ...started.vars, ...vars }, pids: () => processTreePids(started.pid) };
}

/** Starts test/bench/stack-process.ts and waits for the stack's info line (stopped at cleanup). */
async function startStackProcess(timeoutMs = 180_000): Promise<{ vars: Record<string, string>; pid: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./stack-process.ts", import.meta.url))], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  );
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no stack info within ${timeoutMs} ms`)), timeoutMs);
    child.stdout!.on("data", (d) => {
      out += String(d);
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) {
        clearTimeout(timer);
        resolve({ ...(JSON.parse(line) as { vars: Record<string, string> }), pid: child.pid! });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the stack process exited with ${code}`));
    });
  });
}
