/**
 * STOMP 1.1/1.2 heart-beating. CONNECT carries `heart-beat: cx,cy` (cx: the shortest
 * interval the client can send at, cy: the interval it wants to receive at; 0 = none), the
 * server answers `heart-beat: sx,sy` in CONNECTED. Then (spec, "Heart-beating"):
 * - the server sends every max(sx, cy) ms, unless sx or cy is 0;
 * - the client sends every max(cx, sy) ms, unless cx or sy is 0.
 * STOMP 1.0 has no heart-beats.
 */
import { StompProtocolError } from "./stomp-codec";
import type { StompVersion } from "./stomp-version";

export interface ServerHeartBeat {
  /** sx: the shortest interval at which the server can send (0: it cannot). */
  sendMs: number;
  /** sy: the interval at which the server wants to hear from the client (0: it does not). */
  receiveMs: number;
}

/** Like stompjs's defaults; an idle client is noticed within two intervals. */
export const DEFAULT_SERVER_HEARTBEAT: ServerHeartBeat = { sendMs: 10_000, receiveMs: 10_000 };

export interface HeartBeatPlan {
  /** The CONNECTED `heart-beat` header, or undefined for 1.0. */
  header: string | undefined;
  /** How often the server must send something (0: never). */
  sendEveryMs: number;
  /** How often the client promised to send something (0: it did not). */
  expectEveryMs: number;
}

const MAX_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** Parses `heart-beat: x,y`; absent means 0,0. Throws BAD_FRAME when malformed. */
export function parseHeartBeat(value: string | undefined): [number, number] {
  if (value === undefined) return [0, 0];
  const match = /^\s*(\d{1,10})\s*,\s*(\d{1,10})\s*$/.exec(value);
  if (!match) throw new StompProtocolError("BAD_FRAME", `malformed heart-beat header ${JSON.stringify(value.slice(0, 40))}`);
  return [Math.min(Number(match[1]), MAX_INTERVAL_MS), Math.min(Number(match[2]), MAX_INTERVAL_MS)];
}

export function negotiateHeartBeat(clientHeader: string | undefined, version: StompVersion, server: ServerHeartBeat = DEFAULT_SERVER_HEARTBEAT): HeartBeatPlan {
  if (version === "1.0") return { header: undefined, sendEveryMs: 0, expectEveryMs: 0 };
  const [cx, cy] = parseHeartBeat(clientHeader);
  const { sendMs: sx, receiveMs: sy } = server;
  return {
    header: `${sx},${sy}`,
    sendEveryMs: sx === 0 || cy === 0 ? 0 : Math.max(sx, cy),
    expectEveryMs: cx === 0 || sy === 0 ? 0 : Math.max(cx, sy),
  };
}

export interface HeartBeatClock {
  now: number;
  /** When the server last wrote anything to the connection (frames count as heart-beats). */
  lastSentAt: number;
  /** When the client last wrote anything. */
  lastReceivedAt: number;
}

export interface HeartBeatCheck {
  /** Write STOMP_HEARTBEAT now. */
  sendNow: boolean;
  /** The client has been silent past its promise (with grace): close the connection. */
  clientTimedOut: boolean;
  /** When to check again (null: no heart-beats on this connection). */
  nextCheckAt: number | null;
}

/**
 * What a host (a timer, or an object's alarm) should do at `now`. `graceFactor` allows for
 * network delay as the spec suggests: a client is dead after graceFactor × its interval.
 */
export function checkHeartBeat(plan: HeartBeatPlan, clock: HeartBeatClock, graceFactor = 2): HeartBeatCheck {
  const { now, lastSentAt, lastReceivedAt } = clock;
  const sendNow = plan.sendEveryMs > 0 && now - lastSentAt >= plan.sendEveryMs;
  const deadline = plan.expectEveryMs > 0 ? lastReceivedAt + plan.expectEveryMs * graceFactor : null;
  const clientTimedOut = deadline !== null && now >= deadline;
  const nextSend = plan.sendEveryMs > 0 ? (sendNow ? now : lastSentAt) + plan.sendEveryMs : null;
  const candidates = [nextSend, clientTimedOut ? null : deadline].filter((t): t is number => t !== null);
  return { sendNow, clientTimedOut, nextCheckAt: candidates.length ? Math.min(...candidates) : null };
}
