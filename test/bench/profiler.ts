import WebSocket from "ws";

/**
 * A V8 CPU profile of the Worker's isolate (the Worker and its Durable Objects share it)
 * through wrangler's DevTools endpoint: where the JavaScript time of a message goes; and,
 * over the same stretch, its sampling heap profile (heap-profile.ts).
 * A native call made from JavaScript (a `sql.exec`, a socket `send`) is mostly counted in
 * the self time of the JavaScript function that made it; runtime work with no JavaScript
 * on the stack shows as "(program)"; "(idle)" is waiting and left out.
 */

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** V8's sampling heap profile: a call tree whose nodes carry the bytes they allocated (heap-profile.ts reads it). */
export interface HeapProfile {
  head: HeapNode;
}
interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

/**
 * HeapProfiler.startSampling: a sample every 8 KiB allocated on average (fine enough for
 * a step of thousands of messages), and objects the collector already took are kept in
 * the profile, so it shows what a step allocated, not only what survived it.
 */
const HEAP_SAMPLING = { samplingInterval: 8192, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };

export interface ProfileSummary {
  /** Sampled milliseconds that were not idle. */
  busyMs: number;
  /** Functions by self time (ms, share of busy time). */
  self: { fn: string; ms: number; share: number }[];
  /** Functions by inclusive time (themselves and what they called). */
  inclusive: { fn: string; ms: number; share: number }[];
}

/** Names are enough inside one bundle; anonymous functions get their bundle line. */
export const frameLabel = (f: CallFrame) => f.functionName || (f.url ? `(anonymous ${f.url.split("/").pop()}:${f.lineNumber + 1})` : "(native)");

export async function startProfiler(inspectorPort: number, samplingUs = 200) {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as { webSocketDebuggerUrl: string }[];
  const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  let nextId = 1;
  const pending = new Map<number, (result: unknown) => void>();
  ws.on("message", (raw) => {
    const msg = JSON.parse(String(raw)) as { id?: number; result?: unknown; error?: { message: string } };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.error ? Promise.reject(new Error(msg.error.message)) : msg.result);
  });
  const send = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: samplingUs });
  await send("Profiler.start");
  await send("HeapProfiler.startSampling", HEAP_SAMPLING);
  return {
    async stop(): Promise<{ cpu: CpuProfile; heap: HeapProfile }> {
      const { profile: heap } = (await send("HeapProfiler.stopSampling")) as { profile: HeapProfile };
      const { profile: cpu } = (await send("Profiler.stop")) as { profile: CpuProfile };
      ws.close();
      return { cpu, heap };
    },
  };
}

/**
 * How long sample `i` stood for: the time until the NEXT sample (timeDeltas[i] is the time
 * since the previous one). workerd takes no samples while its isolate waits for I/O, so a
 * long gap is waiting, not the sampled frame's work: a gap over GAP_FACTOR sampling
 * intervals counts as one interval. (Charging each sample with the gap before it once made
 * the first SQL statement after every wait look like a third of the room's time.)
 */
const GAP_FACTOR = 5;
export function sampleDurations(profile: CpuProfile, samplingUs: number): number[] {
  return profile.samples.map((_, i) => {
    const until = profile.timeDeltas[i + 1] ?? samplingUs;
    return until > GAP_FACTOR * samplingUs ? samplingUs : Math.max(0, until);
  });
}

export function summarize(profile: CpuProfile, top = 15, samplingUs = 200): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const durations = sampleDurations(profile, samplingUs);
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + durations[i]!));
  const idle = [...selfUs].filter(([id]) => byId.get(id)?.callFrame.functionName === "(idle)").reduce((s, [, us]) => s + us, 0);
  const busyUs = [...selfUs.values()].reduce((a, b) => a + b, 0) - idle;

  const selfByFn = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const fn = frameLabel(byId.get(id)!.callFrame);
    if (fn !== "(idle)") selfByFn.set(fn, (selfByFn.get(fn) ?? 0) + us);
  }
  // Inclusive time per function, counting each sample once per function even under recursion.
  const inclusiveByFn = new Map<string, number>();
  const walk = (id: number, onPath: Set<string>): number => {
    const node = byId.get(id)!;
    const fn = frameLabel(node.callFrame);
    const fresh = !onPath.has(fn);
    if (fresh) onPath.add(fn);
    let total = selfUs.get(id) ?? 0;
    for (const child of node.children ?? []) total += walk(child, onPath);
    if (fresh) {
      onPath.delete(fn);
      if (fn !== "(idle)" && fn !== "(root)") inclusiveByFn.set(fn, (inclusiveByFn.get(fn) ?? 0) + total);
    }
    return total;
  };
  walk(profile.nodes[0]!.id, new Set());
  const rank = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, us]) => ({ fn, ms: Math.round(us / 100) / 10, share: Math.round((us / Math.max(1, busyUs)) * 1000) / 10 }));
  return { busyMs: Math.round(busyUs / 1000), self: rank(selfByFn), inclusive: rank(inclusiveByFn) };
}
