import type { StepFigures } from "./analyze";
import { latencyChart } from "./svg-chart";

/**
 * Markdown tables of the figures: each system in its own column, and the product's
 * ratios to each other system (product/baseline, product/peer) beside them.
 */

const n = (v: number) => (Number.isFinite(v) ? String(v) : "–");
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? (a / b).toFixed(2) : "–");
const refusedCount = (f: StepFigures) => Object.values(f.refused).reduce((a, b) => a + b, 0);

/** A row: its label and either numbers (shown joined by " / ", with ratios) or a plain text cell. */
type Row = [label: string, cell: (f: StepFigures) => number[] | string];

const ROWS: Row[] = [
  ["rooms × devices per user", (f) => `${f.shape.rooms} × ${f.shape.devices}`],
  ["offered rate (msg/s)", (f) => [f.offeredRate]],
  ["achieved rate (msg/s)", (f) => [f.achievedRate]],
  ["sent / acked / refused", (f) => `${f.sent} / ${f.acked} / ${refusedCount(f)}`],
  ["lost / duplicates / order violations", (f) => `${f.lost} / ${f.duplicates} / ${f.orderViolations}`],
  ["devices ≠ stored sequence", (f) => n(f.storedMismatches)],
  ["latency p50 / p95 (ms)", (f) => [f.latencyMs.p50, f.latencyMs.p95]],
  ["latency p99 / max (ms)", (f) => [f.latencyMs.p99, f.latencyMs.max]],
  ["ack p50 / p99 (ms)", (f) => [f.ackLatencyMs.p50, f.ackLatencyMs.p99]],
  ["moments over p99 / most rooms in one", (f) => `${f.slowMoments.length} / ${Math.max(0, ...f.slowMoments.map((m) => m.rooms))}`],
  // How many of those moments the load generator itself paused in, and its longest pause of the step.
  ["moments with a load generator pause / its longest (ms)", (f) => `${f.slowMoments.filter((m) => m.clientPauseMs > 0).length} / ${f.clientPauses.longestMs}`],
  ["first message per room p50 / max (ms)", (f) => [f.warmupLatencyMs.p50, f.warmupLatencyMs.max]],
  ["connections ready", (f) => `${f.connections.ready}/${f.connections.attempted} (${f.connections.successRate}%)`],
  ["server peak RSS (MiB)", (f) => [f.peakRssMiB]],
  ["server CPU per message (µs)", (f) => [f.serverCpuUsPerMessage]],
  ["load generator CPU per message (µs)", (f) => [f.clientCpuUsPerMessage]],
];

/** Only on the production stack: its services share this machine's cores with the systems. */
const SERVICES_LABEL = "stack services CPU per message (µs)";
const servicesCpu = (f: StepFigures) => f.servicesCpuUsPerMessage ?? NaN;
const withServices = (figures: StepFigures[]) => figures.some((f) => f.servicesCpuUsPerMessage !== null);

/** Only in the idle preset's table. */
const IDLE_ROWS: Row[] = [
  ["idle sockets (rooms with a trickle)", (f) => (f.idle ? `${f.idle.sockets} (${f.idle.activeRooms})` : "–")],
  ["server RSS before / with the idle sockets (MiB)", (f) => (f.idle ? [f.idle.rssBeforeMiB, f.idle.rssIdleMiB] : "–")],
  ["server RSS per idle socket (KiB)", (f) => (f.idle ? [f.idle.rssPerSocketKiB] : "–")],
  ["message to a silent room p50 / max (ms)", (f) => [f.wakeLatencyMs.p50, f.wakeLatencyMs.max]],
];

/** The product's figures over another system's, component by component ("–" for text rows). */
function ratioCell(cell: Row[1], product: StepFigures, other: StepFigures): string {
  const [p, o] = [cell(product), cell(other)];
  if (typeof p === "string" || typeof o === "string") return "";
  return p.map((v, i) => ratio(v, o[i]!)).join(" / ");
}

/** The systems the product is compared with, in table order. */
const others = (figures: StepFigures[]) => figures.filter((f) => f.system !== "product");

/** One step: a row per measure, a column per system, then product/<system> ratio columns. */
export function stepTable(figures: StepFigures[]): string {
  const product = figures.find((f) => f.system === "product");
  const compared = product ? others(figures) : [];
  const heads = [...figures.map((f) => f.system), ...compared.map((f) => `product/${f.system}`)];
  const lines = [`| measure | ${heads.join(" | ")} |`, `|---|${heads.map(() => "---:").join("|")}|`];
  const rows: Row[] = [...ROWS, ...(withServices(figures) ? [[SERVICES_LABEL, (f: StepFigures) => [servicesCpu(f)]] as Row] : []), ...(figures.some((f) => f.idle) ? IDLE_ROWS : [])];
  for (const [label, cell] of rows) {
    const values = figures.map((f) => {
      const v = cell(f);
      return typeof v === "string" ? v : v.map(n).join(" / ");
    });
    const ratios = compared.map((o) => ratioCell(cell, product!, o));
    lines.push(`| ${label} | ${[...values, ...ratios].join(" | ")} |`);
  }
  return lines.join("\n");
}

/** The measures worth a median over repeated rounds (latency and CPU: what noise moves). */
const ROUND_MEASURES: [label: string, value: (f: StepFigures) => number][] = [
  ["latency p50 (ms)", (f) => f.latencyMs.p50],
  ["latency p99 (ms)", (f) => f.latencyMs.p99],
  ["latency max (ms)", (f) => f.latencyMs.max],
  ["ack p99 (ms)", (f) => f.ackLatencyMs.p99],
  ["first message per room p50 (ms)", (f) => f.warmupLatencyMs.p50],
  ["server CPU per message (µs)", (f) => f.serverCpuUsPerMessage],
];

/** The middle value (the mean of the middle two for an even count); NaN for none. */
export function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/**
 * `--repeat N`: each round ran every system once, side by side, so a ratio is only taken
 * within a round. A row per measure: each system's median over the rounds, then for each
 * other system the median of the product's per-round ratios and the ratios themselves.
 */
export function roundsTable(rounds: StepFigures[][]): string {
  const systems = rounds[0]!.map((f) => f.system);
  const compared = systems.includes("product") ? systems.filter((s) => s !== "product") : [];
  const of = (round: StepFigures[], system: string) => round.find((f) => f.system === system)!;
  const heads = [...systems.map((s) => `${s} median`), ...compared.flatMap((s) => [`product/${s} median`, `product/${s} per round`])];
  const lines = [`| measure (${rounds.length} rounds) | ${heads.join(" | ")} |`, `|---|${heads.map(() => "---:").join("|")}|`];
  const round2 = (v: number) => Math.round(v * 10) / 10;
  const measures = withServices(rounds.flat()) ? [...ROUND_MEASURES, [SERVICES_LABEL, servicesCpu] as const] : ROUND_MEASURES;
  for (const [label, value] of measures) {
    const medians = systems.map((s) => n(round2(median(rounds.map((r) => value(of(r, s)))))));
    const ratios = compared.flatMap((s) => {
      const each = rounds.map((r) => value(of(r, "product")) / value(of(r, s)));
      const m = median(each);
      return [Number.isFinite(m) ? m.toFixed(2) : "–", each.map((x) => (Number.isFinite(x) ? x.toFixed(2) : "–")).join(", ")];
    });
    lines.push(`| ${label} | ${[...medians, ...ratios].join(" | ")} |`);
  }
  return lines.join("\n");
}

export interface Knee {
  system: string;
  /** The highest offered rate that stayed under the threshold with nothing lost. */
  lastGood: number | null;
  /** The first offered rate that did not (null: never reached in the rates tried). */
  firstBad: number | null;
}

/** The product's knee over another's; a system that never passed the line only bounds it. */
function kneeRatio(p: Knee, o: Knee): string | null {
  if (!p.lastGood || !o.lastGood) return null;
  const [pOpen, oOpen] = [p.firstBad === null, o.firstBad === null];
  const bound = pOpen && oOpen ? null : oOpen ? "≤ " : pOpen ? "≥ " : "";
  return bound === null ? null : `${bound}${ratio(p.lastGood, o.lastGood)}`;
}

/**
 * The sweep: a row per offered rate, each system's achieved rate, p50, p99, losses and
 * CPU per message side by side, then the product's p99 and CPU ratios to each other system.
 */
export function sweepTable(steps: StepFigures[], knees: Knee[]): string {
  const systems = knees.map((k) => k.system);
  const compared = systems.includes("product") ? systems.filter((s) => s !== "product") : [];
  const rates = [...new Set(steps.map((s) => s.shape.rate))].sort((a, b) => a - b);
  const cell = (f: StepFigures | undefined) =>
    f ? `${n(f.achievedRate)} | ${n(f.latencyMs.p50)} | ${n(f.latencyMs.p99)} | ${f.lost} | ${n(f.serverCpuUsPerMessage)}` : "– | – | – | – | –";
  const heads = [
    "offered msg/s",
    "rooms",
    ...systems.flatMap((s) => [`${s} achieved`, "p50 ms", "p99 ms", "lost", "CPU µs/msg"]),
    ...compared.map((s) => `p99 product/${s}`),
    ...compared.map((s) => `CPU product/${s}`),
  ];
  const lines = [`| ${heads.join(" | ")} |`, `|${heads.map(() => "---:").join("|")}|`];
  for (const rate of rates) {
    const at = (system: string) => steps.find((s) => s.shape.rate === rate && s.system === system);
    const p = at("product");
    const r = (key: (f: StepFigures) => number) => compared.map((s) => (p && at(s) ? ratio(key(p), key(at(s)!)) : "–"));
    const rooms = steps.find((s) => s.shape.rate === rate)!.shape.rooms;
    lines.push(
      `| ${[rate, rooms, ...systems.map((s) => cell(at(s))), ...r((f) => f.latencyMs.p99), ...r((f) => f.serverCpuUsPerMessage)].join(" | ")} |`,
    );
  }
  lines.push("");
  for (const k of knees) {
    lines.push(
      `- ${k.system} knee: ${k.lastGood ?? "below the first rate"} msg/s held` +
        (k.firstBad ? `, ${k.firstBad} msg/s did not` : " (no knee within the rates tried)"),
    );
  }
  const product = knees.find((k) => k.system === "product");
  for (const other of product ? knees.filter((k) => k !== product) : []) {
    const r = kneeRatio(product!, other);
    if (r !== null) lines.push(`- product/${other.system} knee (throughput) ratio: ${r}`);
  }
  return lines.join("\n");
}

const COLORS: Record<string, string> = { product: "#1f5fbf", baseline: "#e07b00", peer: "#2e8b57" };

/** The sweep's chart: p50 and p99 against offered rate, one colour per system. */
export function sweepChart(steps: StepFigures[], title: string, thresholdMs: number): string {
  const systems = [...new Set(steps.map((s) => s.system))];
  const points = (system: string, key: "p50" | "p99") =>
    steps.filter((s) => s.system === system).map((s) => ({ x: s.shape.rate, y: s.latencyMs[key] }));
  return latencyChart(
    title,
    systems.flatMap((system) =>
      (["p50", "p99"] as const).map((key) => ({
        label: `${system} ${key}`,
        color: COLORS[system] ?? "#666",
        dashed: key === "p99",
        points: points(system, key),
      })),
    ),
    thresholdMs,
  );
}
