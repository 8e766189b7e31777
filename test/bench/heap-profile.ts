import { frameLabel, type HeapProfile } from "./profiler";

/**
 * What V8's sampling heap profile (DevTools' "allocation sampling", taken with the CPU
 * profile through the same inspector, profiler.ts) says: which functions allocate how
 * much of the isolate's heap. Allocation is what makes the collector run, and a long
 * collection is a pause of every room at once.
 */

export interface AllocationSummary {
  totalMiB: number;
  /** Functions by the bytes they allocated themselves (MiB, share of all). */
  self: { fn: string; mib: number; share: number }[];
}

export function summarizeAllocations(profile: HeapProfile, top = 10): AllocationSummary {
  const self = new Map<string, number>();
  let total = 0;
  const stack = [profile.head];
  while (stack.length) {
    const node = stack.pop()!;
    total += node.selfSize;
    if (node.selfSize) {
      const fn = frameLabel(node.callFrame);
      self.set(fn, (self.get(fn) ?? 0) + node.selfSize);
    }
    stack.push(...node.children);
  }
  const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  return {
    totalMiB: mib(total),
    self: [...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, bytes]) => ({ fn, mib: mib(bytes), share: Math.round((bytes / Math.max(1, total)) * 1000) / 10 })),
  };
}
