import type { IncomingMessage } from "node:http";
import { createClient, ErrorReply, RESP_TYPES } from "redis";
import { waitUntil } from "./daemon";
import { startHttpService, type HttpService, type JsonReply } from "./http-service";

/**
 * The Upstash REST protocol over a real redis-server, so that `@upstash/redis` runs
 * unmodified in tests and `npm run dev:stack` (facts: ../shared/notes/wire-protocols.md,
 * "Upstash REST"). A test and dev tool, not part of the product.
 */
export interface UpstashGateway extends HttpService {
  token: string;
  /** Resolves once the gateway's Redis connection is up (after redis-server restarted). */
  whenReady(): Promise<void>;
  /**
   * Holds every answer for a random time in [minMs, maxMs] after Redis replied (0, 0: none),
   * as a slow or far-away store would; the command itself runs at once, as it would on a
   * real store whose reply is slow to come back.
   */
  delay(minMs: number, maxMs: number): void;
  close(): Promise<void>;
}

type Command = string[];
type Reply = Buffer | number | null | ErrorReply | Reply[];

/** Raw replies: RESP2 strings as Buffers, so binary values and status replies survive. */
const TYPE_MAPPING = { [RESP_TYPES.BLOB_STRING]: Buffer, [RESP_TYPES.SIMPLE_STRING]: Buffer } as const;

/**
 * Commands that would change or block the shared, pipelined connection. Transactions go
 * to `/multi-exec`, which has a connection of its own.
 */
const REFUSED = new Set([
  "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "SELECT", "QUIT", "RESET", "HELLO", "AUTH", "CLIENT",
  "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "MONITOR", "SYNC", "PSYNC", "SHUTDOWN",
  "BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP", "XREAD", "XREADGROUP", "WAIT",
]);

const OK = Buffer.from("OK");

class BadRequest extends Error {}

function toArg(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

function toCommand(value: unknown): Command {
  if (!Array.isArray(value) || value.length === 0) throw new BadRequest("ERR a command is a non-empty JSON array");
  const command = value.map(toArg);
  if (REFUSED.has(command[0]!.toUpperCase())) throw new BadRequest(`ERR '${command[0]}' is not supported by the gateway`);
  return command;
}

function toCommands(value: unknown): Command[] {
  if (!Array.isArray(value) || value.length === 0) throw new BadRequest("ERR a pipeline is a non-empty array of commands");
  return value.map(toCommand);
}

/**
 * Upstash's JSON for a reply: with base64 encoding every string (nested too) is base64 of
 * its bytes, except a top-level OK; integers and nil stay plain.
 */
function encode(reply: Reply, base64: boolean, top = true): unknown {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === "number") return reply;
  if (Array.isArray(reply)) return reply.map((r) => encode(r, base64, false));
  const bytes = reply instanceof ErrorReply ? Buffer.from(reply.message) : reply;
  if (top && bytes.equals(OK)) return "OK";
  return base64 ? bytes.toString("base64") : bytes.toString("utf8");
}

/** Per-command outcome inside `/pipeline` and `/multi-exec`. */
function entry(outcome: PromiseSettledResult<Reply>, base64: boolean): { result: unknown } | { error: string } {
  if (outcome.status === "rejected") {
    const e = outcome.reason as unknown;
    if (e instanceof ErrorReply) return { error: e.message };
    throw e; // the connection failed: the whole request fails
  }
  const reply = outcome.value;
  return reply instanceof ErrorReply ? { error: reply.message } : { result: encode(reply, base64) };
}

export async function startUpstashGateway(options: { redisUrl: string; token: string }): Promise<UpstashGateway> {
  const client = createClient({
    url: options.redisUrl,
    RESP: 2,
    // Fail at once while Redis is down (the HTTP caller gets a 500) instead of queueing.
    disableOfflineQueue: true,
    socket: { reconnectStrategy: (retries: number) => Math.min(50 * (retries + 1), 500) },
  }).withTypeMapping(TYPE_MAPPING);
  client.on("error", () => {
    /* reconnects by itself; each command reports its own failure */
  });
  await client.connect();

  const run = (command: Command) => client.sendCommand<Reply>(command);

  async function multiExec(commands: Command[], base64: boolean): Promise<JsonReply> {
    const tx = client.duplicate();
    tx.on("error", () => {});
    await tx.connect();
    try {
      await tx.sendCommand(["MULTI"]);
      // Queue errors (wrong arity, unknown command) make EXEC answer EXECABORT below.
      for (const command of commands) await tx.sendCommand(command).catch(() => undefined);
      const replies = await tx.sendCommand<Reply[]>(["EXEC"]);
      if (replies === null) return { status: 400, body: { error: "ERR transaction aborted" } };
      return {
        status: 200,
        body: replies.map((r) => entry({ status: "fulfilled", value: r }, base64)),
      };
    } finally {
      tx.destroy();
    }
  }

  async function handle(req: IncomingMessage, body: unknown): Promise<JsonReply> {
    if (req.headers.authorization !== `Bearer ${options.token}`) {
      return { status: 401, body: { error: "Unauthorized" } };
    }
    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    const path = (req.url ?? "/").split("?")[0]!.replace(/\/+$/, "");
    try {
      if (path === "") {
        const outcome = await Promise.allSettled([run(toCommand(body))]);
        const result = entry(outcome[0]!, base64);
        return { status: "error" in result ? 400 : 200, body: result };
      }
      if (path === "/pipeline") {
        const outcomes = await Promise.allSettled(toCommands(body).map(run));
        return { status: 200, body: outcomes.map((o) => entry(o, base64)) };
      }
      if (path === "/multi-exec") return await multiExec(toCommands(body), base64);
      return { status: 404, body: { error: `ERR unknown endpoint ${path}` } };
    } catch (e) {
      if (e instanceof BadRequest || e instanceof ErrorReply) return { status: 400, body: { error: e.message } };
      throw e;
    }
  }

  let delayMs: [number, number] = [0, 0];
  const held = async (req: IncomingMessage, body: unknown): Promise<JsonReply> => {
    const reply = await handle(req, body);
    const [min, max] = delayMs;
    if (max > 0) await new Promise((r) => setTimeout(r, min + Math.random() * (max - min)));
    return reply;
  };

  const http = await startHttpService(held);
  return {
    ...http,
    token: options.token,
    delay(minMs, maxMs) {
      if (!(minMs >= 0 && maxMs >= minMs)) throw new Error(`bad delay ${minMs}-${maxMs}`);
      delayMs = [minMs, maxMs];
    },
    whenReady: () => waitUntil("the Upstash gateway's Redis connection", async () => client.isReady),
    async close() {
      await http.down();
      client.destroy();
    },
  };
}
