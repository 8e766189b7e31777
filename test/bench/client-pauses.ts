import { PerformanceObserver, performance } from "node:perf_hooks";

/**
 * A stretch in which the load generator itself could not take frames: its garbage
 * collector ran, or its event loop was late. A delivery's arrival is stamped when its
 * frame is handled, so a pause of the load generator reads as latency of the system
 * under test; a slow moment that coincides with one says more about the load generator
 * than about that system. `at` is monotonic ms (performance.now()).
 */
export interface ClientPause {
  at: number;
  ms: number;
  kind: "gc" | "loop";
}

/** The loop is sampled this often; a gap longer than this plus `minMs` is a pause. */
const TICK_MS = 5;

/**
 * Records the load generator's pauses of at least `minMs` until `stop()`. GC pauses come
 * from the runtime's own `gc` performance entries; loop pauses from a timer that should
 * fire every TICK_MS and fired late (a GC, a long burst of frames, the machine).
 */
export function watchClientPauses(minMs = 10): { stop(): ClientPause[] } {
  const pauses: ClientPause[] = [];
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.duration >= minMs) pauses.push({ at: e.startTime, ms: Math.round(e.duration * 10) / 10, kind: "gc" });
    }
  });
  gc.observe({ entryTypes: ["gc"] });
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const late = now - last - TICK_MS;
    if (late >= minMs) pauses.push({ at: last + TICK_MS, ms: Math.round(late * 10) / 10, kind: "loop" });
    last = now;
  }, TICK_MS);
  return {
    stop() {
      clearInterval(timer);
      gc.disconnect();
      return pauses.sort((a, b) => a.at - b.at);
    },
  };
}

/**
 * The longest load-generator pause that overlaps [from, to] (monotonic ms), or 0. A slow
 * moment's deliveries were sent from `from` on and arrived by `to`.
 */
export function longestPauseWithin(pauses: readonly ClientPause[], from: number, to: number): number {
  let longest = 0;
  for (const p of pauses) {
    if (p.at <= to && p.at + p.ms >= from) longest = Math.max(longest, p.ms);
  }
  return longest;
}
