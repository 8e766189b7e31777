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
      { atMs: 1000, deliveries: 3, rooms: 2, worstMs: 40 },
      { atMs: 5000, deliveries: 1, rooms: 1, worstMs: 90 },
    ]);
    expect(slowMoments([d(1, 5, 1)], 10)).toEqual([]);
  });
});
