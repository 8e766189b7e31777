import { mkdtemp, rm } from "node:fs/promises";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onFreePort, startDaemon, type Daemon } from "./daemon";

export interface RedisServer {
  port: number;
  url: string;
  /** Stops the server; `start` brings it back on the same port, empty (no persistence). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
}

/** One PING over a raw socket: ready once the server answers +PONG. */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let reply = "";
    socket.setTimeout(1_000, () => socket.destroy());
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (d) => {
      reply += d.toString();
      if (reply.includes("\r\n")) socket.end();
    });
    socket.on("error", () => resolve(false));
    socket.on("close", () => resolve(reply.startsWith("+PONG")));
  });
}

/** A private redis-server: own port and temp directory, no persistence, in the foreground. */
export async function startRedis(): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), "chat-redis-"));
  try {
    return await onFreePort(async (port) => {
      const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--daemonize", "no"];
      let daemon: Daemon | null = null;
      const start = async () => {
        daemon ??= await startDaemon("redis-server", "redis-server", args, () => pings(port));
      };
      const stop = async () => {
        await daemon?.stop();
        daemon = null;
      };
      await start();
      return {
        port,
        url: `redis://127.0.0.1:${port}`,
        start,
        stop,
        async dispose() {
          await stop();
          await rm(dir, { recursive: true, force: true });
        },
      };
    });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
