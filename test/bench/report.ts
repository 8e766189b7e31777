import type { StepFigures } from "./analyze";
import { latencyChart } from "./svg-chart";

/** Markdown tables of the figures: product beside baseline, with their ratios. */

const n = (v: number) => (Number.isFinite(v) ? String(v) : "–");
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? (a / b).toFixed(2) : "–");
const refusedCount = (f: StepFigures) => Object.values(f.refused).reduce((a, b) => a + b, 0);

const ROWS: [string, (f: StepFigures) => string][] = [
  ["rooms × devices per user", (f) => `${f.shape.rooms} × ${f.shape.devices}`],
  ["offered rate (msg/s)", (f) => n(f.offeredRate)],
  ["achieved rate (msg/s)", (f) => n(f.achievedRate)],
  ["sent / acked / refused", (f) => `${f.sent} / ${f.acked} / ${refusedCount(f)}`],
  ["lost / duplicates / order violations", (f) => `${f.lost} / ${f.duplicates} / ${f.orderViolations}`],
  ["devices ≠ stored sequence", (f) => n(f.storedMismatches)],
  ["latency p50 / p95 (ms)", (f) => `${n(f.latencyMs.p50)} / ${n(f.latencyMs.p95)}`],
  ["latency p99 / max (ms)", (f) => `${n(f.latencyMs.p99)} / ${n(f.latencyMs.max)}`],
  ["ack p50 / p99 (ms)", (f) => `${n(f.ackLatencyMs.p50)} / ${n(f.ackLatencyMs.p99)}`],
  ["first message per room p50 / max (ms)", (f) => `${n(f.warmupLatencyMs.p50)} / ${n(f.warmupLatencyMs.max)}`],
  ["connections ready", (f) => `${f.connections.ready}/${f.connections.attempted} (${f.connections.successRate}%)`],
  ["workerd peak RSS (MiB)", (f) => n(f.peakRssMiB)],
  ["workerd CPU per message (µs)", (f) => n(f.serverCpuUsPerMessage)],
  ["load generator CPU per message (µs)", (f) => n(f.clientCpuUsPerMessage)],
];

/** One step: a row per measure, a column per system, and product/baseline ratios. */
export function stepTable(figures: StepFigures[]): string {
  const product = figures.find((f) => f.system === "product");
  const baseline = figures.find((f) => f.system === "baseline");
  const cols = figures.map((f) => f.system);
  const lines = [`| measure | ${cols.join(" | ")} |`, `|---|${cols.map(() => "---:").join("|")}|`];
  for (const [label, cell] of ROWS) lines.push(`| ${label} | ${figures.map(cell).join(" | ")} |`);
  if (product && baseline) {
    lines.push(
      "",
      `product/baseline: throughput ${ratio(product.achievedRate, baseline.achievedRate)}, ` +
        `p99 ${ratio(product.latencyMs.p99, baseline.latencyMs.p99)}, ` +
        `p50 ${ratio(product.latencyMs.p50, baseline.latencyMs.p50)}, ` +
        `peak RSS ${ratio(product.peakRssMiB, baseline.peakRssMiB)}, ` +
        `workerd CPU per message ${ratio(product.serverCpuUsPerMessage, baseline.serverCpuUsPerMessage)}`,
    );
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

/** The sweep: a row per offered rate, product and baseline side by side. */
export function sweepTable(steps: StepFigures[], knees: Knee[]): string {
  const rates = [...new Set(steps.map((s) => s.shape.rate))].sort((a, b) => a - b);
  const cell = (f: StepFigures | undefined) =>
    f ? `${n(f.achievedRate)} | ${n(f.latencyMs.p50)} | ${n(f.latencyMs.p99)} | ${f.lost} | ${n(f.serverCpuUsPerMessage)}` : "– | – | – | – | –";
  const lines = [
    "| offered msg/s | rooms | product achieved | p50 ms | p99 ms | lost | CPU µs/msg | baseline achieved | p50 ms | p99 ms | lost | CPU µs/msg | p99 ratio |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const rate of rates) {
    const p = steps.find((s) => s.shape.rate === rate && s.system === "product");
    const b = steps.find((s) => s.shape.rate === rate && s.system === "baseline");
    const rooms = (p ?? b)!.shape.rooms;
    lines.push(`| ${rate} | ${rooms} | ${cell(p)} | ${cell(b)} | ${p && b ? ratio(p.latencyMs.p99, b.latencyMs.p99) : "–"} |`);
  }
  lines.push("");
  for (const k of knees) {
    lines.push(
      `- ${k.system} knee: ${k.lastGood ?? "below the first rate"} msg/s held` +
        (k.firstBad ? `, ${k.firstBad} msg/s did not` : " (no knee within the rates tried)"),
    );
  }
  const [p, b] = [knees.find((k) => k.system === "product"), knees.find((k) => k.system === "baseline")];
  if (p?.lastGood && b?.lastGood) {
    // A system that never passed the line only gives a bound on the ratio.
    const [pOpen, bOpen] = [p.firstBad === null, b.firstBad === null];
    const bound = pOpen && bOpen ? null : bOpen ? "≤ " : pOpen ? "≥ " : "";
    if (bound !== null) lines.push(`- product/baseline knee (throughput) ratio: ${bound}${ratio(p.lastGood, b.lastGood)}`);
  }
  return lines.join("\n");
}

/** The sweep's chart: p50 and p99 against offered rate, product and baseline. */
export function sweepChart(steps: StepFigures[], title: string, thresholdMs: number): string {
  const points = (system: string, key: "p50" | "p99") =>
    steps.filter((s) => s.system === system).map((s) => ({ x: s.shape.rate, y: s.latencyMs[key] }));
  return latencyChart(
    title,
    [
      { label: "product p50", color: "#1f5fbf", dashed: false, points: points("product", "p50") },
      { label: "product p99", color: "#1f5fbf", dashed: true, points: points("product", "p99") },
      { label: "baseline p50", color: "#e07b00", dashed: false, points: points("baseline", "p50") },
      { label: "baseline p99", color: "#e07b00", dashed: true, points: points("baseline", "p99") },
    ],
    thresholdMs,
  );
}
