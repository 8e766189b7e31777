import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

/** A free TCP port on 127.0.0.1, chosen by the kernel (tests never assume a fixed port). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runs `start` on a fresh free port, again on another one if the port was taken between
 * choosing and binding it (other test processes pick free ports at the same time).
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (e) {
      const taken = /address already in use|EADDRINUSE/i.test(e instanceof Error ? e.message : String(e));
      if (!taken || attempt >= attempts) throw e;
    }
  }
}

/** Thrown by a readiness check to stop waiting at once (e.g. the process died). */
export class GaveUp extends Error {}

/**
 * Polls `check` until it returns true, failing after `timeoutMs` with `what` and the last
 * error. A readiness check instead of a fixed sleep: fast machines do not wait, slow ones
 * get the whole budget.
 */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    try {
      if (await check()) return;
    } catch (e) {
      if (e instanceof GaveUp) throw e;
      last = e;
    }
    if (Date.now() > deadline) {
      const reason = last instanceof Error ? `: ${last.message}` : "";
      throw new Error(`timed out waiting for ${what}${reason}`);
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

export interface Daemon {
  readonly child: ChildProcess;
  /** The process's output so far (for error messages). */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a server process in the foreground (never daemonized, so it dies with us and
 * `stop` knows its pid) and waits until `ready` says it serves. If it exits first, the
 * error carries its output.
 */
export async function startDaemon(
  name: string,
  command: string,
  args: string[],
  ready: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<Daemon> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  let spawnError: Error | null = null;
  child.once("error", (e) => (spawnError = e));

  const daemon: Daemon = {
    child,
    output: () => output,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };

  try {
    await waitUntil(
      name,
      async () => {
        if (spawnError) throw new GaveUp(`${name} did not start: ${(spawnError as Error).message}`);
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new GaveUp(`${name} exited (${child.exitCode ?? child.signalCode}):\n${output}`);
        }
        return ready();
      },
      timeoutMs,
    );
  } catch (e) {
    await daemon.stop(2_000);
    throw e;
  }
  return daemon;
}
