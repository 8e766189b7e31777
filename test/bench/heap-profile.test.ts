import { describe, expect, it } from "vitest";
import { summarizeAllocations } from "./heap-profile";
import type { HeapProfile } from "./profiler";

const MiB = 2 ** 20;
const node = (functionName: string, selfSize: number, children: HeapProfile["head"][] = []) => ({
  callFrame: { functionName, url: "index.js", lineNumber: 9 },
  selfSize,
  children,
});

describe("summarizeAllocations", () => {
  it("adds up each function's own bytes wherever it appears in the tree, largest first", () => {
    const profile: HeapProfile = {
      head: node("(root)", 0, [node("send", 2 * MiB, [node("broadcast", 5 * MiB)]), node("alarm", 0, [node("broadcast", 1 * MiB), node("", 1.5 * MiB)])]),
    };
    const s = summarizeAllocations(profile, 2);
    expect(s.totalMiB).toBe(9.5);
    expect(s.self).toEqual([
      { fn: "broadcast", mib: 6, share: 63.2 },
      { fn: "send", mib: 2, share: 21.1 },
    ]);
    expect(summarizeAllocations(profile).self.map((r) => r.fn)).toContain("(anonymous index.js:10)");
  });
});
