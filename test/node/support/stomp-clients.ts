/**
 * Unmodified @stomp/stompjs clients for the Node tests: a Client over `ws` (as a Node
 * service would use it), a subscription collector, a SEND that waits for its RECEIPT, and
 * the close (with the ERROR before it, if any).
 */
import { Client, type IFrame, type IMessage } from "@stomp/stompjs";
import WebSocket from "ws";

export type StompClientOptions = Partial<ConstructorParameters<typeof Client>[0]>;

/** Every client made here, for `deactivateAll` after a test. */
const made: Array<{ deactivate(): unknown }> = [];

export function track(client: { deactivate(): unknown }): void {
  made.push(client);
}

export async function deactivateAll(): Promise<void> {
  await Promise.all(made.splice(0).map((c) => c.deactivate()));
}

/** A stompjs Client over a `ws` WebSocket offering the three STOMP subprotocols. */
export function stompOverWs(url: string, token: string, extra: StompClientOptions = {}, protocols = ["v12.stomp", "v11.stomp", "v10.stomp"]): Client {
  const client = new Client({
    webSocketFactory: () => new WebSocket(url, protocols),
    connectHeaders: { Authorization: `Bearer ${token}` },
    reconnectDelay: 0,
    ...extra,
  });
  track(client);
  return client;
}

export function connect(client: Client): Promise<IFrame> {
  return new Promise((resolve, reject) => {
    client.onConnect = resolve;
    client.onStompError = (f) => reject(new Error(`ERROR ${f.headers.code}: ${f.headers.message}`));
    client.onWebSocketClose = (e) => reject(new Error(`closed ${e.code}`));
    client.activate();
  });
}

/** Collects the bodies of a `/user/queue/chat` subscription; `until(n)` waits until n have arrived. */
export function chatQueue(client: Client) {
  const got: Array<Record<string, any>> = [];
  const waiters: Array<() => void> = [];
  client.subscribe("/user/queue/chat", (m: IMessage) => {
    if (m.headers["content-type"] !== "application/json") throw new Error(`content-type ${m.headers["content-type"]}`);
    got.push(JSON.parse(m.body));
    waiters.splice(0).forEach((w) => w());
  });
  const until = async (n: number, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (got.length < n) {
      if (Date.now() > deadline) throw new Error(`only ${got.length} of ${n} messages arrived`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return got;
  };
  return { got, until };
}

export function publishWithReceipt(client: Client, body: object, headers: Record<string, string> = {}): Promise<IFrame> {
  const receipt = `r-${Math.random().toString(36).slice(2)}`;
  const done = new Promise<IFrame>((resolve) => client.watchForReceipt(receipt, resolve));
  client.publish({ destination: "/app/chat.send", body: JSON.stringify(body), headers: { receipt, ...headers } });
  return done;
}

/** Resolves at the WebSocket close, with the ERROR frame that came before it (if any). */
export function closeOf(client: Client): Promise<{ code: number; error?: IFrame }> {
  return new Promise((resolve) => {
    let error: IFrame | undefined;
    client.onStompError = (f) => (error = f);
    client.onWebSocketClose = (e) => resolve({ code: e.code, ...(error ? { error } : {}) });
  });
}

export async function waitFor<T>(probe: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}
