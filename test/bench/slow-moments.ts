import { longestPauseWithin, type ClientPause } from "./client-pauses";

/**
 * Where a step's tail comes from: the deliveries slower than its p99, grouped into
 * moments (sends less than GAP_MS apart). A moment that hits many rooms at once is a stall
 * of the whole server process or the machine (a commit, a collector, another process);
 * one room alone is that room's own work, and one during a pause of the load generator
 * may be the load generator's. Times are from the step's first timed send.
 */
export interface SlowDelivery {
  sentAtMs: number;
  latencyMs: number;
  room: number;
}

export interface SlowMoment {
  atMs: number;
  deliveries: number;
  rooms: number;
  worstMs: number;
  /** The longest pause of the load generator itself between the moment's first send and its last arrival (ms; 0: none). */
  clientPauseMs: number;
}

const GAP_MS = 250;

/** `pauses`: the load generator's own (client-pauses.ts), at ms from the first timed send like the deliveries. */
export function slowMoments(deliveries: SlowDelivery[], thresholdMs: number, pauses: readonly ClientPause[] = []): SlowMoment[] {
  const slow = deliveries.filter((d) => d.latencyMs > thresholdMs).sort((a, b) => a.sentAtMs - b.sentAtMs);
  const groups: SlowDelivery[][] = [];
  for (const d of slow) {
    const last = groups.at(-1);
    if (last && d.sentAtMs - last.at(-1)!.sentAtMs < GAP_MS) last.push(d);
    else groups.push([d]);
  }
  return groups.map((g) => ({
    atMs: Math.round(g[0]!.sentAtMs),
    deliveries: g.length,
    rooms: new Set(g.map((d) => d.room)).size,
    worstMs: Math.round(Math.max(...g.map((d) => d.latencyMs)) * 10) / 10,
    clientPauseMs: longestPauseWithin(pauses, g[0]!.sentAtMs, Math.max(...g.map((d) => d.sentAtMs + d.latencyMs))),
  }));
}
