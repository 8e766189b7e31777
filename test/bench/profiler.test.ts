import { describe, expect, it } from "vitest";
import { sampleDurations, summarize, type CpuProfile } from "./profiler";

const frame = (functionName: string) => ({ functionName, url: "index.js", lineNumber: 0 });
/** root → a → b, root → c; samples: a, b (after a 50 ms wait), c. */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame("(root)"), children: [2, 4] },
    { id: 2, callFrame: frame("a"), children: [3] },
    { id: 3, callFrame: frame("b") },
    { id: 4, callFrame: frame("c") },
  ],
  samples: [2, 3, 3, 4],
  timeDeltas: [0, 200, 50_000, 200],
  startTime: 0,
  endTime: 50_600,
};

describe("profile summary", () => {
  it("charges each sample with the time until the next one, and a long gap (waiting for I/O) with one interval", () => {
    expect(sampleDurations(profile, 200)).toEqual([200, 200, 200, 200]);
  });

  it("self and inclusive shares follow from those durations", () => {
    const s = summarize(profile, 10, 200);
    expect(s.busyMs).toBe(1);
    expect(s.self.find((r) => r.fn === "b")?.share).toBe(50);
    expect(s.inclusive.find((r) => r.fn === "a")?.share).toBe(75);
    expect(s.self.find((r) => r.fn === "c")?.share).toBe(25);
  });
});
