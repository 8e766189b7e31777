/**
 * A raw STOMP client for the workerd tests: opens `/ws/chat` through the Worker, writes
 * frames as text and reads them back with the product's own decoder (the Node tests use
 * unmodified stompjs instead). Waits re-arm every 50 ms: workerd delivers socket events
 * only to a test that waits on I/O.
 */
import { StompDecoder, readFrame, type StompFrame } from "../../src/protocol/stomp-codec";
import { api, mintToken, type Claims } from "./api";

export class StompSocket {
  readonly frames: StompFrame[] = [];
  closeEvent: { code: number } | null = null;
  private taken = 0;
  private readonly decoder = new StompDecoder();

  private constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (e) => {
      for (const raw of this.decoder.push(String(e.data))) this.frames.push(readFrame(raw, "1.2"));
    });
    ws.addEventListener("close", (e) => (this.closeEvent = { code: e.code }));
  }

  static async open(protocols = "v12.stomp"): Promise<StompSocket> {
    const res = await api("/ws/chat", { headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": protocols } });
    if (res.status !== 101) throw new Error(`upgrade refused: ${res.status}`);
    res.webSocket!.accept();
    return new StompSocket(res.webSocket!);
  }

  /** CONNECT as `who`; returns CONNECTED (its `session` header names the connection's object). */
  static async connected(who: Claims): Promise<{ socket: StompSocket; connected: StompFrame }> {
    const socket = await StompSocket.open();
    socket.send(`CONNECT\naccept-version:1.2\nheart-beat:0,0\nAuthorization:Bearer ${await mintToken(who)}\n\n\0`);
    const connected = await socket.next();
    if (connected.command !== "CONNECTED") throw new Error(`${connected.command}: ${connected.headers.message}`);
    return { socket, connected };
  }

  send(text: string): void {
    this.ws.send(text);
  }

  /** The oldest frame not yet returned (optionally the next one matching). */
  async next(match: (f: StompFrame) => boolean = () => true): Promise<StompFrame> {
    for (;;) {
      while (this.taken < this.frames.length) {
        const f = this.frames[this.taken++]!;
        if (match(f)) return f;
      }
      if (this.closeEvent) throw new Error(`closed ${this.closeEvent.code}; frames: ${JSON.stringify(this.frames)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Bodies of the MESSAGE frames so far. */
  messages(): Array<Record<string, any>> {
    return this.frames.filter((f) => f.command === "MESSAGE").map((f) => JSON.parse(f.body));
  }

  async closed(): Promise<{ code: number }> {
    while (!this.closeEvent) await new Promise((r) => setTimeout(r, 50));
    return this.closeEvent;
  }
}
