import { describe, expect, it } from "vitest";
import { analyze, type StepFigures } from "./analyze";
import { newLedger } from "./devices";
import type { SystemName } from "./options";
import { median, roundsTable, stepTable, sweepChart, sweepTable } from "./report";

/** The tables and chart: every system gets its column, the product its ratios to each other one. */

/** Figures of an empty step, then the measures a test sets. */
function figures(system: SystemName, rate: number, set: { p99: number; cpu: number; rss?: number; perSocket?: number; services?: number }): StepFigures {
  const f = analyze(system, {
    shape: { rooms: 1, devices: 1, rate, seconds: 1 },
    devices: [], ledger: newLedger(), firstSendAt: 0, lastSendAt: 0, drainComplete: true, unsentNoDevice: 0,
    peakRssBytes: (set.rss ?? 100) * 2 ** 20, cpu: { server: 0, client: 0, serverIdle: 0, services: set.services ?? 0, servicesIdle: 0 }, stored: new Map(), verifyErrors: [], clientPauses: [],
    idle: set.perSocket === undefined ? null : { sockets: 1000, activeRooms: 4, rssBeforeBytes: 0, rssIdleBytes: set.perSocket * 1000 * 1024 },
  });
  return { ...f, latencyMs: { ...f.latencyMs, p99: set.p99 }, serverCpuUsPerMessage: set.cpu };
}

const row = (table: string, label: string) => table.split("\n").find((l) => l.startsWith(`| ${label} |`))!.split(" | ").slice(1);

describe("stepTable", () => {
  it("puts product/baseline and product/peer ratios beside the three systems", () => {
    const t = stepTable([figures("product", 50, { p99: 20, cpu: 3000 }), figures("baseline", 50, { p99: 10, cpu: 2000 }), figures("peer", 50, { p99: 5, cpu: 500 })]);
    expect(t.split("\n")[0]).toBe("| measure | product | baseline | peer | product/baseline | product/peer |");
    expect(row(t, "server CPU per message (µs)")).toEqual(["3000", "2000", "500", "1.50", "6.00 |"]);
    expect(row(t, "latency p99 / max (ms)").slice(3)).toEqual(["2.00 / –", "4.00 / – |"]);
    expect(t).not.toContain("idle sockets");
    expect(t).not.toContain("stack services");
  });

  it("adds the stack services' CPU per message when the step had services (the production stack)", () => {
    const t = stepTable([figures("product", 50, { p99: 20, cpu: 3000, services: 0.05 }), figures("baseline", 50, { p99: 10, cpu: 2000, services: 0.001 })]);
    // 50 ms and 1 ms of service CPU; these steps acked nothing, and per message divides by at least one.
    expect(row(t, "stack services CPU per message (µs)")).toEqual(["50000", "1000", "50.00 |"]);
  });

  it("adds the idle rows, with RSS per idle socket and its ratios, in the idle preset", () => {
    const t = stepTable([
      figures("product", 4, { p99: 9, cpu: 1, perSocket: 60 }),
      figures("baseline", 4, { p99: 9, cpu: 1, perSocket: 40 }),
      figures("peer", 4, { p99: 9, cpu: 1, perSocket: 20 }),
    ]);
    expect(row(t, "server RSS per idle socket (KiB)")).toEqual(["60", "40", "20", "1.50", "3.00 |"]);
    expect(row(t, "idle sockets (rooms with a trickle)").slice(0, 3)).toEqual(["1000 (4)", "1000 (4)", "1000 (4)"]);
  });

  it("has no ratio columns without the product", () => {
    expect(stepTable([figures("peer", 50, { p99: 5, cpu: 500 })]).split("\n")[0]).toBe("| measure | peer |");
  });
});

describe("roundsTable", () => {
  it("takes each ratio within its round and gives the median of the rounds' ratios", () => {
    const round = (p: number, b: number) => [figures("product", 50, { p99: p, cpu: 1 }), figures("baseline", 50, { p99: b, cpu: 1 })];
    // Round medians would give 20/12 = 1.67; the rounds' own ratios are 2, 1 and 1.5.
    const t = roundsTable([round(20, 10), round(12, 12), round(30, 20)]);
    expect(t.split("\n")[0]).toBe("| measure (3 rounds) | product median | baseline median | product/baseline median | product/baseline per round |");
    expect(row(t, "latency p99 (ms)")).toEqual(["20", "12", "1.50", "2.00, 1.00, 1.50 |"]);
    expect(row(t, "server CPU per message (µs)").slice(2)).toEqual(["1.00", "1.00, 1.00, 1.00 |"]);
  });

  it("has a median of the middle two for an even count, and none for no finite value", () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });
});

describe("sweepTable and sweepChart", () => {
  const steps = [
    figures("product", 100, { p99: 30, cpu: 3000 }),
    figures("baseline", 100, { p99: 15, cpu: 2000 }),
    figures("peer", 100, { p99: 10, cpu: 600 }),
    figures("product", 200, { p99: 150, cpu: 2800 }),
    figures("baseline", 200, { p99: 20, cpu: 1800 }),
    figures("peer", 200, { p99: 12, cpu: 500 }),
  ];
  const knees = [
    { system: "product", lastGood: 100, firstBad: 200 },
    { system: "baseline", lastGood: 200, firstBad: null },
    { system: "peer", lastGood: 200, firstBad: null },
  ];

  it("gives each system its columns and the product's p99 and CPU ratios to the others", () => {
    const t = sweepTable(steps, knees);
    const head = t.split("\n")[0]!;
    expect(head).toContain("peer achieved");
    expect(head).toMatch(/p99 product\/baseline \| p99 product\/peer \| CPU product\/baseline \| CPU product\/peer \|$/);
    const first = t.split("\n").find((l) => l.startsWith("| 100 |"))!;
    expect(first.trim().split(" | ").slice(-4)).toEqual(["2.00", "3.00", "1.50", "5.00 |"]);
    // Neither other system reached its knee: the ratios are bounds.
    expect(t).toContain("- product/baseline knee (throughput) ratio: ≤ 0.50");
    expect(t).toContain("- product/peer knee (throughput) ratio: ≤ 0.50");
  });

  it("draws a p50 and a p99 line per system, the peer's included", () => {
    const svg = sweepChart(steps, "t", 100);
    for (const label of ["product p99", "baseline p50", "peer p50", "peer p99"]) expect(svg).toContain(`>${label}</text>`);
  });
});
