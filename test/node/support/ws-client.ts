/**
 * A chat client over a real socket (`ws`, Node has no global WebSocket): collects every
 * frame and lets a test wait for frames or the close, with no timing assumptions.
 */
import WebSocket from "ws";
import { FrameLog, type Frame } from "../../support/frame-log";

export type { Frame };

/** An upgrade the server refused before any socket opened. */
export class Refused extends Error {
  constructor(
    readonly status: number,
    readonly body: any,
  ) {
    super(`upgrade refused with ${status}: ${JSON.stringify(body)}`);
  }
}

export class ChatSocket extends FrameLog {
  /** When the TCP connection ended (Date.now()), once it did. */
  closedAt: number | null = null;

  private constructor(readonly ws: WebSocket) {
    super();
    ws.on("message", (data, isBinary) => {
      if (!isBinary) this.received(JSON.parse(data.toString()) as Frame);
    });
    ws.on("close", (code, reason) => {
      this.closedAt = Date.now();
      this.closedWith(code, reason.toString());
    });
  }

  /** Opens a socket; rejects with Refused (status and JSON body) when the upgrade is refused. */
  static open(url: string, headers: Record<string, string> = {}): Promise<ChatSocket> {
    return new Promise((resolve, reject) => {
      // Default timeouts: `close` fires only once the server ended the TCP connection
      // (SPEC section 14), so a close that does not complete shows as a slow test.
      const ws = new WebSocket(url, { headers });
      const socket = new ChatSocket(ws);
      ws.once("open", () => resolve(socket));
      ws.once("unexpected-response", (_req, res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => {
          let parsed: unknown = body;
          try {
            parsed = JSON.parse(body);
          } catch {
            // keep the text
          }
          reject(new Refused(res.statusCode ?? 0, parsed));
        });
      });
      ws.once("error", (e) => reject(e));
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  messages(): any[] {
    return this.frames.filter((f) => f.type === "message").map((f) => f.message);
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
  }
}
