/**
 * WebSocket clients for room tests inside workerd: connect through the Worker
 * (`/api/chat/ws/{id}`), collect every frame, and wait for frames or the close without
 * timing assumptions (each wait only ends when its condition holds).
 */
import { expect } from "vitest";
import { api, type Claims } from "./api";

export type Frame = { type: string; [key: string]: any };

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

export class Client {
  readonly frames: Frame[] = [];
  private waiters: Array<() => void> = [];
  /** Indexes of frames already returned by `next`. */
  private readonly taken = new Set<number>();
  closeEvent: { code: number; reason: string } | null = null;

  constructor(readonly ws: WebSocket) {
    ws.accept();
    ws.addEventListener("message", (e) => {
      this.frames.push(JSON.parse(e.data as string) as Frame);
      this.wake();
    });
    ws.addEventListener("close", (e) => {
      this.closeEvent = { code: e.code, reason: e.reason };
      this.wake();
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Waits for the oldest matching frame not yet returned by `next`; returns it. */
  async next(match: string | ((f: Frame) => boolean) = () => true): Promise<Frame> {
    const pred = typeof match === "string" ? (f: Frame) => f.type === match : match;
    for (;;) {
      const i = this.frames.findIndex((f, idx) => !this.taken.has(idx) && pred(f));
      if (i >= 0) {
        this.taken.add(i);
        return this.frames[i]!;
      }
      if (this.closeEvent) throw new Error(`socket closed (${this.closeEvent.code}) while waiting; frames: ${JSON.stringify(this.frames)}`);
      await this.changed();
    }
  }

  /** Waits until `count` frames of `type` arrived in total; returns all of them. */
  async all(type: string, count: number): Promise<Frame[]> {
    for (;;) {
      const found = this.frames.filter((f) => f.type === type);
      if (found.length >= count) return found;
      if (this.closeEvent) throw new Error(`socket closed (${this.closeEvent.code}) with ${found.length}/${count} ${type} frames`);
      await this.changed();
    }
  }

  /** Waits until `done(frames)` holds. */
  async until(done: (frames: Frame[]) => boolean, what = "condition"): Promise<void> {
    while (!done(this.frames)) {
      if (this.closeEvent) throw new Error(`socket closed (${this.closeEvent.code}) before ${what}`);
      await this.changed();
    }
  }

  /** Waits for an ack or error for each of `clientMsgIds`; returns them in that order. */
  async results(clientMsgIds: readonly string[]): Promise<Frame[]> {
    const of = (id: string) => this.frames.find((f) => (f.type === "ack" || f.type === "error") && f.clientMsgId === id);
    await this.until(() => clientMsgIds.every((id) => of(id) !== undefined), "all results");
    return clientMsgIds.map((id) => of(id)!);
  }

  async closed(): Promise<{ code: number; reason: string }> {
    while (!this.closeEvent) await this.changed();
    return this.closeEvent;
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

  /**
   * Resolves on the next frame or close. The short timer is not a deadline: workerd only
   * delivers a WebSocket event to a test that is waiting on I/O, so the wait re-arms.
   */
  private changed(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      setTimeout(resolve, 20);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
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
