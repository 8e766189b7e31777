import { createServer, type IncomingHttpHeaders } from "node:http";
import { onFreePort } from "./daemon";

/** What the stand-ins of outside services see of a request. */
export interface RawRequest {
  method: string;
  /** Path and query, e.g. `/push/abc`. */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface RawReply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface RawHttpService {
  port: number;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

/**
 * A plain HTTP server on 127.0.0.1 for the stand-ins whose bodies are not JSON (push
 * payloads, form-encoded token requests). The handler gets the whole body; a thrown error
 * is a 500 with its message, so a broken stand-in never passes a test silently.
 */
export async function startRawHttpService(handler: (req: RawRequest) => Promise<RawReply> | RawReply): Promise<RawHttpService> {
  return onFreePort(async (port) => {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY) chunks.push(chunk);
      });
      req.on("end", () => {
        const reply = (r: RawReply) => {
          res.writeHead(r.status, r.headers);
          res.end(r.body ?? "");
        };
        if (size > MAX_BODY) return reply({ status: 413, body: "body too large" });
        Promise.resolve()
          .then(() => handler({ method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers, body: Buffer.concat(chunks) }))
          .then(reply, (e: unknown) => reply({ status: 500, body: e instanceof Error ? e.message : String(e) }));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    return {
      port,
      url: `http://127.0.0.1:${port}`,
      async close() {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      },
    };
  });
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): RawReply => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});
