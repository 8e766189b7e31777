import { describe, expect, it } from "vitest";
import { analyze, integrityProblems, percentiles } from "./analyze";
import type { Device, Receipt } from "./devices";
import { newLedger } from "./devices";
import type { StepData } from "./load";
import type { Room } from "./targets";

/**
 * The checker `--check` relies on: given what devices saw, does it find every loss,
 * duplicate and order violation? The load itself is exercised by the smoke run.
 */

const room: Room = {
  requestIdx: 7,
  participants: [
    { userCode: "S", name: "S", role: "student", token: "" },
    { userCode: "P", name: "P", role: "professor", token: "" },
  ],
};

const device = (side: 0 | 1): Device => ({
  room, side, ws: null, readySeq: 0, connectError: null, received: [], errors: new Map(), unexpectedCloses: new Map(),
});

/** Three messages sent by the student at t = 0, 10, 20 ms and stored as seq 1..3. */
function scenario() {
  const devices = [device(0), device(1), device(1)];
  const ledger = newLedger();
  const stored = [1, 2, 3].map((seq) => ({ id: `m${seq}`, seq }));
  for (const { id, seq } of stored) {
    ledger.sentAt.set(`c${seq}`, { at: seq * 10, device: devices[0]! });
    ledger.acks.set(`c${seq}`, { id, seq, at: seq * 10 + 1 });
    for (const d of devices) d.received.push({ id, seq, clientMsgId: `c${seq}`, at: seq * 10 + (d.side ? 5 : 2) });
  }
  const data: StepData = {
    shape: { rooms: 1, devices: 2, rate: 100, seconds: 0.03 },
    devices, ledger, firstSendAt: 10, lastSendAt: 30, drainComplete: true, unsentNoDevice: 0,
    peakRssBytes: 0, cpu: { server: 0, client: 0, serverIdle: 0, services: 0, servicesIdle: 0 }, stored: new Map([[7, stored]]), verifyErrors: [], clientPauses: [],
    idle: null,
  };
  return { data, devices, ledger };
}

describe("analyze", () => {
  it("finds nothing wrong in a clean run and measures the other side's latency", () => {
    const f = analyze("product", scenario().data);
    expect(integrityProblems(f)).toEqual([]);
    expect(f).toMatchObject({ sent: 3, acked: 3, lost: 0, duplicates: 0, orderViolations: 0, storedMismatches: 0 });
    // Only the professor's two devices count for latency: 3 messages × 2 devices, 5 ms each.
    expect(f.latencyMs).toMatchObject({ samples: 6, p50: 5, max: 5 });
  });

  it("counts a message missing on one device as lost, and that device as differing from storage", () => {
    const { data, devices } = scenario();
    devices[2]!.received.splice(1, 1);
    const f = analyze("product", data);
    expect(f.lost).toBe(1);
    expect(f.storedMismatches).toBe(1);
    expect(f.orderViolations).toBe(1);
    expect(integrityProblems(f).length).toBeGreaterThan(0);
  });

  it("counts duplicates and order violations", () => {
    const { data, devices } = scenario();
    const r = devices[1]!.received;
    r.push({ ...r[0]! } as Receipt);
    [r[1], r[2]] = [r[2]!, r[1]!];
    const f = analyze("baseline", data);
    expect(f.duplicates).toBe(1);
    expect(f.orderViolations).toBeGreaterThanOrEqual(2);
    expect(f.lost).toBe(0);
  });

  it("fails sends that were never answered and acks of messages that were not stored", () => {
    const { data, ledger } = scenario();
    ledger.sentAt.set("c4", { at: 40, device: data.devices[0]! });
    data.stored.set(7, data.stored.get(7)!.slice(0, 2));
    const f = analyze("product", data);
    expect(f.unanswered).toBe(1);
    expect(f.ackedNotStored).toBe(1);
    expect(integrityProblems(f).join("\n")).toMatch(/never acked[\s\S]*not stored|not stored[\s\S]*never acked/);
  });

  it("keeps the warm-up message out of the rate and latency figures but not out of the loss check", () => {
    const { data, ledger, devices } = scenario();
    ledger.warmup.add("c1");
    // One professor device missed the warm-up message (seq 1).
    devices[1]!.received.shift();
    const f = analyze("product", data);
    expect(f.sent).toBe(2);
    expect(f.acked).toBe(2);
    expect(f.warmupLatencyMs.samples).toBe(1);
    expect(f.lost).toBe(1);
  });
});

describe("percentiles", () => {
  it("uses the nearest rank", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentiles(values)).toEqual({ samples: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(percentiles([]).samples).toBe(0);
  });
});

describe("idle preset figures", () => {
  it("times the wake-up messages apart, still checks them for loss, and prices memory per idle socket", () => {
    const { data, ledger, devices } = scenario();
    // The third message is the wake-up sent after the silence; the professor's second device missed it.
    ledger.wake.add("c3");
    devices[2]!.received.pop();
    data.idle = { sockets: 3, activeRooms: 1, rssBeforeBytes: 100 * 2 ** 20, rssIdleBytes: 100 * 2 ** 20 + 3 * 300 * 1024 };
    const f = analyze("peer", data);
    expect(f.sent).toBe(2);
    expect(f.acked).toBe(2);
    expect(f.latencyMs.samples).toBe(4);
    // One professor device got it: one sample.
    expect(f.wakeLatencyMs).toMatchObject({ samples: 1, p50: 5 });
    expect(f.lost).toBe(1);
    expect(integrityProblems(f).join("\n")).toMatch(/peer: 1 acked messages not delivered/);
    expect(f.idle).toEqual({ sockets: 3, activeRooms: 1, rssBeforeMiB: 100, rssIdleMiB: 100.9, rssPerSocketKiB: 300 });
  });

  it("has no idle figures outside the idle preset", () => {
    const f = analyze("product", scenario().data);
    expect(f.idle).toBeNull();
    expect(f.wakeLatencyMs.samples).toBe(0);
  });
});
