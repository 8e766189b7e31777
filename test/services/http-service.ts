import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { onFreePort } from "./daemon";

/** What a gateway handler answers: a status and a JSON body. */
export interface JsonReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type JsonHandler = (req: IncomingMessage, body: unknown) => Promise<JsonReply>;

export interface HttpService {
  port: number;
  url: string;
  /** Closes the listener and every open connection: clients get "connection refused". */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
}

const MAX_BODY = 8 * 1024 * 1024;

class BadBody extends Error {}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new BadBody("request body too large");
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new BadBody("request body is not JSON");
  }
}

function send(res: ServerResponse, reply: JsonReply): void {
  const body = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    ...reply.headers,
  });
  res.end(body);
}

/**
 * A small JSON-over-POST HTTP server on 127.0.0.1 for the test gateways. It can be taken
 * down and brought back on the same port, which is how tests make a store unreachable.
 */
export async function startHttpService(handler: JsonHandler): Promise<HttpService> {
  return onFreePort((port) => listenOn(port, handler));
}

async function listenOn(port: number, handler: JsonHandler): Promise<HttpService> {
  const server = createServer((req, res) => {
    if (req.method !== "POST") {
      send(res, { status: 405, body: { error: "only POST is supported" } });
      return;
    }
    readJson(req)
      .then((body) => handler(req, body))
      .then(
        (reply) => send(res, reply),
        (e: unknown) => {
          const status = e instanceof BadBody ? 400 : 500;
          send(res, { status, body: { error: e instanceof Error ? e.message : String(e) } });
        },
      );
  });
  server.keepAliveTimeout = 5_000;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  await listen();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async down() {
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
    async up() {
      if (!server.listening) await listen();
    },
  };
}
