/**
 * Where a step's tail comes from: the deliveries slower than its p99, grouped into
 * moments (sends less than GAP_MS apart). A moment that hits many rooms at once is a stall
 * of the whole server process or the machine (a commit, a collector, another process);
 * one room alone is that room's own work. Times are from the step's first timed send.
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
}

const GAP_MS = 250;

export function slowMoments(deliveries: SlowDelivery[], thresholdMs: number): SlowMoment[] {
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
  }));
}
