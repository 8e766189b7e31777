/**
 * A chat client over a real socket (`ws`, Node has no global WebSocket): collects every
 * frame and lets a test wait for frames or the close, with no timing assumptions.
 */
import WebSocket from "ws";

export type Frame = { type: string; [key: string]: any };

/** An upgrade the server refused before any socket opened. */
export class Refused extends Error {
  constructor(
    readonly status: number,
    readonly body: any,
  ) {
    super(`upgrade refused with ${status}: ${JSON.stringify(body)}`);
  }
}

export class ChatSocket {
  readonly frames: Frame[] = [];
  closeEvent: { code: number; reason: string } | null = null;
  /** When the TCP connection ended (Date.now()), once it did. */
  closedAt: number | null = null;
  private readonly taken = new Set<number>();
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      if (!isBinary) this.frames.push(JSON.parse(data.toString()) as Frame);
      this.wake();
    });
    ws.on("close", (code, reason) => {
      this.closedAt = Date.now();
      this.closeEvent = { code, reason: reason.toString() };
      this.wake();
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

  /** The oldest matching frame not yet returned by `next`. */
  async next(match: string | ((f: Frame) => boolean)): Promise<Frame> {
    const pred = typeof match === "string" ? (f: Frame) => f.type === match : match;
    for (;;) {
      const i = this.frames.findIndex((f, idx) => !this.taken.has(idx) && pred(f));
      if (i >= 0) {
        this.taken.add(i);
        return this.frames[i]!;
      }
      if (this.closeEvent) throw new Error(`socket closed (${this.closeEvent.code}) while waiting`);
      await this.changed();
    }
  }

  async until(done: (frames: Frame[]) => boolean, what = "condition"): Promise<void> {
    while (!done(this.frames)) {
      if (this.closeEvent) throw new Error(`socket closed (${this.closeEvent.code}) before ${what}`);
      await this.changed();
    }
  }

  messages(): any[] {
    return this.frames.filter((f) => f.type === "message").map((f) => f.message);
  }

  /** Waits for the ack or error of each clientMsgId (the first one for each). */
  async results(clientMsgIds: readonly string[]): Promise<Frame[]> {
    const of = (id: string) => this.frames.find((f) => (f.type === "ack" || f.type === "error") && f.clientMsgId === id);
    await this.until(() => clientMsgIds.every((id) => of(id)), "every result");
    return clientMsgIds.map((id) => of(id)!);
  }

  async closed(): Promise<{ code: number; reason: string }> {
    while (!this.closeEvent) await this.changed();
    return this.closeEvent;
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
