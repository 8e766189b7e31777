/**
 * V8's sampling heap profile (DevTools' "allocation sampling"), taken with the CPU profile
 * through the same inspector: which functions allocate how much of the isolate's heap.
 * Objects the collector already took are counted too (the include flags below), so the
 * figure is what a step allocated, not what survived it: allocation is what makes the
 * collector run, and a long collection is a pause of every room at once.
 */

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}
export interface HeapProfile {
  head: HeapNode;
}

/** Bytes between samples, on average: fine enough for a step of thousands of messages. */
export const HEAP_SAMPLING_BYTES = 8192;

/** The parameters of HeapProfiler.startSampling. */
export const heapSamplingParams = {
  samplingInterval: HEAP_SAMPLING_BYTES,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
};

export interface AllocationSummary {
  totalMiB: number;
  /** Functions by the bytes they allocated themselves (MiB, share of all). */
  self: { fn: string; mib: number; share: number }[];
}

const label = (f: HeapNode["callFrame"]) => f.functionName || (f.url ? `(anonymous ${f.url.split("/").pop()}:${f.lineNumber + 1})` : "(native)");

export function summarizeAllocations(profile: HeapProfile, top = 10): AllocationSummary {
  const self = new Map<string, number>();
  let total = 0;
  const stack = [profile.head];
  while (stack.length) {
    const node = stack.pop()!;
    total += node.selfSize;
    if (node.selfSize) self.set(label(node.callFrame), (self.get(label(node.callFrame)) ?? 0) + node.selfSize);
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
