/**
 * WebSocket clients for room tests inside workerd: connect through the Worker
 * (`/api/chat/ws/{id}`), collect every frame, and wait for frames or the close without
 * timing assumptions (each wait only ends when its condition holds).
 */
import { expect } from "vitest";
import { api, type Claims } from "./api";
import { FrameLog, type Frame } from "./frame-log";

export type { Frame };

export interface ConnectOptions {
  token?: string | Claims;
  ticket?: string;
  headers?: Record<string, string>;
  /** Serve through a fresh app with this env (config variations); same bindings. */
  env?: Env;
}

/** The raw upgrade response (for refusals: status and JSON body). */
export async function upgrade(requestIdx: number | string, opts: ConnectOptions = {}): Promise<Response> {
  const query = opts.ticket !== undefined ? `?ticket=${encodeURIComponent(opts.ticket)}` : "";
  return api(`/api/chat/ws/${requestIdx}${query}`, {
    token: opts.token,
    headers: { Upgrade: "websocket", ...opts.headers },
    env: opts.env,
  });
}

export class Client extends FrameLog {
  constructor(readonly ws: WebSocket) {
    // workerd only delivers a WebSocket event to a test that is waiting on I/O: waits re-arm.
    super(20);
    ws.accept();
    ws.addEventListener("message", (e) => this.received(JSON.parse(e.data as string) as Frame));
    ws.addEventListener("close", (e) => {
      this.closedWith(e.code, e.reason);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /**
   * Sends a ping through the room's frame handler (the spaced spelling is not the
   * runtime's auto-response) and waits for its pong: every synchronous frame sent before
   * it (typing, read, errors) has been handled. Sends that wait for the store may not be.
   */
  async roundTrip(): Promise<void> {
    const pongs = this.frames.filter((f) => f.type === "pong").length;
    this.send('{ "type": "ping" }');
    await this.all("pong", pongs + 1);
  }

  close(): void {
    try {
      this.ws.close(1000, "done");
    } catch {
      // already closed
    }
  }

}

/** Connects and waits for `ready`; fails the test with the refusal body otherwise. */
export async function connect(requestIdx: number, opts: ConnectOptions): Promise<{ client: Client; ready: Frame }> {
  const res = await upgrade(requestIdx, opts);
  if (res.status !== 101 || !res.webSocket) {
    expect.fail(`upgrade refused: ${res.status} ${await res.text()}`);
  }
  const client = new Client(res.webSocket!);
  const ready = await client.next("ready");
  return { client, ready };
}

/** Sends a `send` frame and waits for its ack (or the error for it). */
export async function post(client: Client, content: string, clientMsgId: string = crypto.randomUUID()): Promise<Frame> {
  client.send({ type: "send", clientMsgId, content });
  return client.next((f) => (f.type === "ack" || f.type === "error") && f.clientMsgId === clientMsgId);
}
