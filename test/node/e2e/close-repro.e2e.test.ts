/**
 * Why the room resets itself after closing its sockets (src/room/server-close.ts), shown
 * on the smallest object that has the problem (test/support/close-repro), under
 * `wrangler dev`, with real `ws` clients on default timeouts: their `close` event fires
 * only when the server ends the TCP connection.
 *
 * The first test pins workerd's behaviour: when it starts failing, workerd completes
 * server-initiated closes of hibernatable sockets by itself, and the reset in
 * ServerCloser can go.
 */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startDevServer, type DevServer } from "../support/dev-server";

const config = fileURLToPath(new URL("../../support/close-repro/wrangler.toml", import.meta.url));
let server: DevServer;
let rooms = 0;

beforeAll(async () => {
  server = await startDevServer({ vars: {}, config });
});

afterAll(async () => {
  await server?.stop();
});

interface Peer {
  ws: WebSocket;
  /** ms after the close request when the close frame arrived / the TCP connection ended */
  closeFrameAt: number | null;
  endedAt: number | null;
}

async function open(room: string, query = ""): Promise<Peer> {
  const ws = new WebSocket(`${server.url.replace("http", "ws")}/ws?room=${room}${query}`);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return { ws, closeFrameAt: null, endedAt: null };
}

/** Asks the object to close every socket of `room`; records when each peer saw what. */
async function closeFromServer(room: string, peers: Peer[], query = ""): Promise<void> {
  const t0 = Date.now();
  for (const p of peers) {
    // ws answers the server's close frame at once and emits `close` only after the TCP end.
    (p.ws as unknown as { _receiver: NodeJS.EventEmitter })._receiver.once("conclude", () => (p.closeFrameAt = Date.now() - t0));
    p.ws.once("close", () => (p.endedAt = Date.now() - t0));
  }
  const res = await fetch(`${server.url}/close?room=${room}${query}`);
  expect(await res.json()).toEqual({ closed: peers.length });
}

async function echo(p: Peer): Promise<void> {
  const answered = new Promise((resolve) => p.ws.once("message", resolve));
  p.ws.send("hello");
  expect(String(await answered)).toBe("echo hello");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nextRoom = () => `room-${++rooms}`;

describe("workerd: closes a Durable Object starts on its sockets", () => {
  it("hibernatable socket whose first client frame is the close reply: the TCP connection stays open (workerd bug)", async () => {
    const room = nextRoom();
    const quiet = [await open(room), await open(room), await open(room)];
    const talked = await open(room);
    await echo(talked);
    await closeFromServer(room, [...quiet, talked]);
    await sleep(2_000);
    for (const p of [...quiet, talked]) expect(p.closeFrameAt, "close frame").not.toBeNull();
    // The socket that sent a frame before is gone at once ...
    expect(talked.endedAt).not.toBeNull();
    expect(talked.endedAt!).toBeLessThan(1_000);
    // ... the quiet ones stay in CLOSING: the server never ends their TCP connection (until
    // the object hibernates, ~10 s after its last event, or `ws` gives up after 30 s).
    for (const p of quiet) {
      expect(p.endedAt).toBeNull();
      expect(p.ws.readyState).toBe(WebSocket.CLOSING);
      p.ws.terminate();
    }
  });

  it("control: the same with ws.accept() (no hibernation) completes at once", async () => {
    const room = nextRoom();
    const peers = [await open(room, "&plain=1"), await open(room, "&plain=1")];
    await closeFromServer(room, peers);
    await sleep(1_000);
    for (const p of peers) expect(p.endedAt, "TCP end").not.toBeNull();
  });

  it("workaround: resetting the object once the peers answered ends every connection", async () => {
    const room = nextRoom();
    const peers = [await open(room), await open(room), await open(room)];
    await closeFromServer(room, peers, "&release=1");
    await sleep(1_000);
    for (const p of peers) {
      expect(p.endedAt, "TCP end").not.toBeNull();
      expect(p.endedAt!).toBeLessThan(1_000);
    }
  });
});
