import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import type { Participant } from "./tokens";
import type { Room } from "./targets";

/** A `message` frame as one device saw it, with the local arrival time (ms, monotonic). */
export interface Receipt {
  seq: number;
  id: string;
  clientMsgId: string | null;
  at: number;
}

/** Everything the load loop records for one socket; analysis reads only this. */
export interface Device {
  room: Room;
  /** 0 = requester (student), 1 = recipient (professor). */
  side: 0 | 1;
  ws: WebSocket | null;
  /** Set once the `ready` frame came; null when the connect failed. */
  readySeq: number | null;
  connectError: string | null;
  received: Receipt[];
  /** Frames of type `error`, by code. */
  errors: Map<string, number>;
  /** Close codes of sockets the server closed during the step (not our own 1000 at the end). */
  unexpectedCloses: Map<number, number>;
}

/** What the sending side learns: acks and refusals, keyed by clientMsgId. */
export interface SendLedger {
  sentAt: Map<string, { at: number; device: Device }>;
  acks: Map<string, { seq: number; id: string; at: number }>;
  refused: Map<string, string>;
  duplicateAcks: number;
  /** Deliveries per clientMsgId, so the drain knows when every device has everything. */
  deliveries: Map<string, number>;
  /** The one message per room sent before the timed load (see load.ts). */
  warmup: Set<string>;
  /** Idle preset: the one message per room sent after the silence, to rooms that hibernated. */
  wake: Set<string>;
}

export function newLedger(): SendLedger {
  return { sentAt: new Map(), acks: new Map(), refused: new Map(), duplicateAcks: 0, deliveries: new Map(), warmup: new Set(), wake: new Set() };
}

interface Frame {
  type?: string;
  lastSeq?: number;
  message?: { seq: number; id: string; clientMsgId?: string | null };
  clientMsgId?: string;
  id?: string;
  seq?: number;
  code?: string;
}

function onFrame(device: Device, ledger: SendLedger, raw: WebSocket.RawData, resolveReady: () => void) {
  const at = performance.now();
  let frame: Frame;
  try {
    frame = JSON.parse(String(raw)) as Frame;
  } catch {
    device.errors.set("UNPARSABLE_FRAME", (device.errors.get("UNPARSABLE_FRAME") ?? 0) + 1);
    return;
  }
  switch (frame.type) {
    case "ready":
      device.readySeq = frame.lastSeq ?? 0;
      resolveReady();
      return;
    case "message": {
      const m = frame.message!;
      const clientMsgId = m.clientMsgId ?? null;
      device.received.push({ seq: m.seq, id: m.id, clientMsgId, at });
      if (clientMsgId) ledger.deliveries.set(clientMsgId, (ledger.deliveries.get(clientMsgId) ?? 0) + 1);
      return;
    }
    case "ack":
      if (ledger.acks.has(frame.clientMsgId!)) ledger.duplicateAcks++;
      else ledger.acks.set(frame.clientMsgId!, { seq: frame.seq!, id: frame.id!, at });
      return;
    case "error":
      device.errors.set(frame.code ?? "?", (device.errors.get(frame.code ?? "?") ?? 0) + 1);
      if (frame.clientMsgId) ledger.refused.set(frame.clientMsgId, frame.code ?? "?");
      return;
    default:
      // status, read, typing, pong: not measured
      return;
  }
}

/** Sockets we are closing ourselves; any other close is the server's doing. */
const closing = new WeakSet<WebSocket>();

/**
 * Opens one socket as `who` (Bearer token; the same for product and baseline) and
 * resolves once the `ready` frame arrived or the attempt failed, never rejects.
 */
export function connectDevice(
  baseUrl: string,
  room: Room,
  side: 0 | 1,
  ledger: SendLedger,
  timeoutMs = 20_000,
): Promise<Device> {
  const who: Participant = room.participants[side];
  const device: Device = {
    room, side, ws: null, readySeq: null, connectError: null, received: [], errors: new Map(), unexpectedCloses: new Map(),
  };
  const url = `${baseUrl.replace(/^http/, "ws")}/api/chat/ws/${room.requestIdx}`;
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${who.token}` }, perMessageDeflate: false });
    device.ws = ws;
    let settled = false;
    const settle = (error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        device.connectError = error;
        ws.terminate();
      }
      resolve(device);
    };
    const timer = setTimeout(() => settle(`no ready frame within ${timeoutMs} ms`), timeoutMs);
    ws.on("message", (raw) => onFrame(device, ledger, raw, () => settle(null)));
    ws.on("unexpected-response", (_req, res) => settle(`HTTP ${res.statusCode}`));
    ws.on("error", (e) => settle(e.message));
    ws.on("close", (code) => {
      if (!settled) settle(`closed ${code} before ready`);
      else if (!closing.has(ws)) device.unexpectedCloses.set(code, (device.unexpectedCloses.get(code) ?? 0) + 1);
    });
  });
}

/** Closes every socket with 1000 and waits (bounded) for the close handshakes. */
export async function closeDevices(devices: Device[], timeoutMs = 10_000): Promise<void> {
  await Promise.all(
    devices.map(
      (d) =>
        new Promise<void>((resolve) => {
          const ws = d.ws;
          if (!ws || ws.readyState === WebSocket.CLOSED) return resolve();
          const timer = setTimeout(() => {
            ws.terminate();
            resolve();
          }, timeoutMs);
          ws.once("close", () => {
            clearTimeout(timer);
            resolve();
          });
          closing.add(ws);
          ws.close(1000, "bench done");
        }),
    ),
  );
}
