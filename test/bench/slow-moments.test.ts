import { describe, expect, it } from "vitest";
import { slowMoments } from "./slow-moments";

describe("slowMoments", () => {
  it("groups the deliveries over the threshold by time and counts the rooms each moment hit", () => {
    const d = (sentAtMs: number, latencyMs: number, room: number) => ({ sentAtMs, latencyMs, room });
    const moments = slowMoments(
      [d(1000, 40, 1), d(1100, 35, 2), d(1120, 5, 3), d(1200, 30, 1), d(5000, 90, 7), d(9000, 8, 4)],
      10,
    );
    expect(moments).toEqual([
      { atMs: 1000, deliveries: 3, rooms: 2, worstMs: 40, clientPauseMs: 0 },
      { atMs: 5000, deliveries: 1, rooms: 1, worstMs: 90, clientPauseMs: 0 },
    ]);
    expect(slowMoments([d(1, 5, 1)], 10)).toEqual([]);
  });

  it("names the load generator's longest pause within each moment, from its first send to its last arrival", () => {
    const d = (sentAtMs: number, latencyMs: number, room: number) => ({ sentAtMs, latencyMs, room });
    const pauses = [
      { at: 900, ms: 50, kind: "gc" as const }, // ends before the first moment's first send
      { at: 1150, ms: 20, kind: "loop" as const },
      { at: 1180, ms: 60, kind: "gc" as const },
      { at: 5085, ms: 30, kind: "loop" as const }, // after the second moment's arrival at 5080
    ];
    const moments = slowMoments([d(1000, 40, 1), d(1100, 100, 2), d(5000, 80, 7)], 10, pauses);
    expect(moments.map((m) => m.clientPauseMs)).toEqual([60, 0]);
  });
});
