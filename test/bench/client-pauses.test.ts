import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { longestPauseWithin, watchClientPauses } from "./client-pauses";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("watchClientPauses", () => {
  it("records a blocked event loop as a pause at least as long as the block, and nothing once stopped", async () => {
    const watch = watchClientPauses(10);
    await sleep(30);
    const blockedAt = performance.now();
    while (performance.now() - blockedAt < 60) {
      // the load generator busy on one long burst of frames
    }
    await sleep(30);
    const pauses = watch.stop();
    const loop = pauses.filter((p) => p.kind === "loop");
    expect(Math.max(...loop.map((p) => p.ms))).toBeGreaterThanOrEqual(50);
    expect(longestPauseWithin(pauses, blockedAt, blockedAt + 60)).toBeGreaterThanOrEqual(50);
    const stoppedAt = performance.now();
    const later = performance.now();
    while (performance.now() - later < 30) {
      // blocked again after stop: not recorded
    }
    await sleep(10);
    expect(pauses.every((p) => p.at < stoppedAt)).toBe(true);
  });

  it("finds the longest pause overlapping a window, 0 when none does", () => {
    const pauses = [
      { at: 100, ms: 20, kind: "gc" as const },
      { at: 200, ms: 80, kind: "loop" as const },
    ];
    expect(longestPauseWithin(pauses, 110, 150)).toBe(20);
    expect(longestPauseWithin(pauses, 121, 199)).toBe(0);
    expect(longestPauseWithin(pauses, 0, 1000)).toBe(80);
  });
});
