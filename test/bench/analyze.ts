import type { StepData } from "./load";
import type { LoadShape, SystemName } from "./options";
import { slowMoments, type SlowDelivery, type SlowMoment } from "./slow-moments";

/** The figures of one step of one system; these go to JSON and the tables. */
export interface StepFigures {
  system: SystemName;
  shape: LoadShape;
  offeredRate: number;
  achievedRate: number;
  sent: number;
  acked: number;
  refused: Record<string, number>;
  /** Every `error` frame any device got, by code (refused sends included). */
  errorFrames: Record<string, number>;
  unanswered: number;
  unsentNoDevice: number;
  /** Acked messages missing on at least one connected device of either participant. */
  lost: number;
  /** Acked messages absent from GET /api/chat/messages. */
  ackedNotStored: number;
  duplicates: number;
  duplicateAcks: number;
  orderViolations: number;
  /** Devices whose received sequence differs from the stored one. */
  storedMismatches: number;
  latencyMs: Percentiles;
  ackLatencyMs: Percentiles;
  /** The first message per room, sent alone before the timed load (it may start the consultation). */
  warmupLatencyMs: Percentiles;
  /** Idle preset: the message sent to each room after the silence (the room had hibernated). */
  wakeLatencyMs: Percentiles;
  /** The deliveries over the p99, grouped into moments (slow-moments.ts): where the tail comes from. */
  slowMoments: SlowMoment[];
  /** The load generator's own pauses of 10 ms or more while it timed (client-pauses.ts): how many, the longest, their sum (ms). */
  clientPauses: { count: number; longestMs: number; totalMs: number };
  /** Idle preset only: memory of the system with its sockets sitting idle. */
  idle: IdleFigures | null;
  connections: { attempted: number; ready: number; successRate: number; failures: Record<string, number> };
  /** Sockets the server closed during the step, by close code. */
  unexpectedCloses: Record<string, number>;
  /** Peak RSS of the system's processes (workerd; the peer's node + redis-server). */
  peakRssMiB: number;
  /**
   * The system's CPU per acked message (µs) over the send and drain window, less what workerd
   * burns idle in that time; and the load generator's own CPU per message.
   */
  serverCpuUsPerMessage: number;
  /** The production stack's services (gateways, redis-server, MariaDB) on the same cores; null without them. */
  servicesCpuUsPerMessage: number | null;
  clientCpuUsPerMessage: number;
  drainComplete: boolean;
  verifyErrors: string[];
  /** Sweep only: this rate ran twice (p99 over the knee line the first time); the better run is kept. */
  retried?: boolean;
}

export interface IdleFigures {
  /** Sockets open (ready) while the RSS was read. */
  sockets: number;
  activeRooms: number;
  rssBeforeMiB: number;
  rssIdleMiB: number;
  /** (idle RSS − RSS before the sockets opened) / sockets. */
  rssPerSocketKiB: number;
}

export interface Percentiles {
  samples: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentiles(values: number[]): Percentiles {
  if (!values.length) return { samples: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN };
  const sorted = Float64Array.from(values).sort();
  // Nearest rank: the smallest value with at least p% of the samples at or below it.
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  const round = (v: number) => Math.round(v * 10) / 10;
  return { samples: sorted.length, p50: round(at(50)), p95: round(at(95)), p99: round(at(99)), max: round(sorted.at(-1)!) };
}

const tally = (keys: string[]) => keys.reduce<Record<string, number>>((t, k) => ((t[k] = (t[k] ?? 0) + 1), t), {});

export function analyze(system: SystemName, data: StepData): StepFigures {
  const { ledger, devices } = data;
  const live = devices.filter((d) => d.readySeq !== null);
  // The warm-up and wake-up messages are checked like the others but timed apart.
  const untimed = (id: string) => ledger.warmup.has(id) || ledger.wake.has(id);
  const sent = ledger.sentAt.size - ledger.warmup.size - ledger.wake.size;
  const acked = [...ledger.acks.keys()].filter((id) => !untimed(id)).length;

  let duplicates = 0;
  let orderViolations = 0;
  let storedMismatches = 0;
  // clientMsgId -> the devices that got it, for loss and latency.
  const seenBy = new Map<string, Map<(typeof live)[number], number>>();
  for (const d of live) {
    const ids = new Set<string>();
    let expected = d.readySeq! + 1;
    for (const r of d.received) {
      if (ids.has(r.id)) duplicates++;
      ids.add(r.id);
      if (r.seq !== expected) orderViolations++;
      expected = r.seq + 1;
      if (r.clientMsgId) {
        const by = seenBy.get(r.clientMsgId) ?? new Map();
        if (!by.has(d)) by.set(d, r.at);
        seenBy.set(r.clientMsgId, by);
      }
    }
    const stored = data.stored.get(d.room.requestIdx);
    if (stored) {
      const want = stored.filter((m) => m.seq > d.readySeq!).map((m) => m.id);
      const got = d.received.map((r) => r.id);
      if (want.length !== got.length || want.some((id, i) => id !== got[i])) storedMismatches++;
    }
  }

  const storedIds = new Set([...data.stored.values()].flatMap((list) => list.map((m) => m.id)));
  let lost = 0;
  let fullyDelivered = 0;
  let ackedNotStored = 0;
  let lastFullDelivery = data.firstSendAt;
  const latencies: number[] = [];
  const ackLatencies: number[] = [];
  const warmupLatencies: number[] = [];
  const wakeLatencies: number[] = [];
  const timed: SlowDelivery[] = [];
  for (const [clientMsgId, ack] of ledger.acks) {
    const { at: sentAt, device: sender } = ledger.sentAt.get(clientMsgId)!;
    const apart = untimed(clientMsgId);
    const latencyList = ledger.warmup.has(clientMsgId) ? warmupLatencies : ledger.wake.has(clientMsgId) ? wakeLatencies : latencies;
    if (!apart) ackLatencies.push(ack.at - sentAt);
    if (data.stored.has(sender.room.requestIdx) && !storedIds.has(ack.id)) ackedNotStored++;
    const by = seenBy.get(clientMsgId) ?? new Map();
    const roomDevices = live.filter((d) => d.room === sender.room);
    const complete = roomDevices.every((d) => by.has(d));
    if (!complete) lost++;
    else if (!apart) lastFullDelivery = Math.max(lastFullDelivery, ...by.values());
    if (complete && !apart) fullyDelivered++;
    // Latency is what the other participant experiences: send until arrival on each of their devices.
    for (const [d, at] of by) {
      if (d.side === sender.side) continue;
      latencyList.push(at - sentAt);
      if (!apart) timed.push({ sentAtMs: sentAt - data.firstSendAt, latencyMs: at - sentAt, room: sender.room.requestIdx });
    }
  }
  const latencyMs = percentiles(latencies);

  const failures = tally(devices.filter((d) => d.readySeq === null).map((d) => d.connectError ?? "unknown"));
  const refused = tally([...ledger.refused.values()]);
  const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  const idle: IdleFigures | null = data.idle && {
    sockets: data.idle.sockets,
    activeRooms: data.idle.activeRooms,
    rssBeforeMiB: mib(data.idle.rssBeforeBytes),
    rssIdleMiB: mib(data.idle.rssIdleBytes),
    rssPerSocketKiB:
      Math.round(((data.idle.rssIdleBytes - data.idle.rssBeforeBytes) / 1024 / Math.max(1, data.idle.sockets)) * 10) / 10,
  };
  const sendSpan = Math.max(1, data.lastSendAt - data.firstSendAt) / 1000;
  const deliveredSpan = Math.max(1, lastFullDelivery - data.firstSendAt) / 1000;
  return {
    system,
    shape: data.shape,
    // n sends over a span hold n-1 intervals; the rate is intervals per second.
    offeredRate: Math.round(((Math.max(1, sent) - 1) / sendSpan) * 10) / 10,
    achievedRate: Math.round(((Math.max(1, fullyDelivered) - 1) / deliveredSpan) * 10) / 10,
    sent,
    acked,
    refused,
    errorFrames: devices.reduce<Record<string, number>>((t, d) => {
      for (const [code, n] of d.errors) t[code] = (t[code] ?? 0) + n;
      return t;
    }, {}),
    unanswered: ledger.sentAt.size - ledger.acks.size - ledger.refused.size,
    unsentNoDevice: data.unsentNoDevice,
    lost,
    ackedNotStored,
    duplicates,
    duplicateAcks: ledger.duplicateAcks,
    orderViolations,
    storedMismatches,
    latencyMs,
    ackLatencyMs: percentiles(ackLatencies),
    warmupLatencyMs: percentiles(warmupLatencies),
    wakeLatencyMs: percentiles(wakeLatencies),
    slowMoments: slowMoments(timed, latencyMs.p99, data.clientPauses.map((p) => ({ ...p, at: p.at - data.firstSendAt }))),
    clientPauses: {
      count: data.clientPauses.length,
      longestMs: Math.max(0, ...data.clientPauses.map((p) => p.ms)),
      totalMs: Math.round(data.clientPauses.reduce((t, p) => t + p.ms, 0)),
    },
    idle,
    connections: {
      attempted: devices.length,
      ready: live.length,
      successRate: Math.round((live.length / Math.max(1, devices.length)) * 1000) / 10,
      failures,
    },
    unexpectedCloses: devices.reduce<Record<string, number>>((t, d) => {
      for (const [code, n] of d.unexpectedCloses) t[code] = (t[code] ?? 0) + n;
      return t;
    }, {}),
    peakRssMiB: mib(data.peakRssBytes),
    serverCpuUsPerMessage: Math.round((Math.max(0, data.cpu.server - data.cpu.serverIdle) * 1e6) / Math.max(1, acked)),
    servicesCpuUsPerMessage:
      data.cpu.services > 0 ? Math.round((Math.max(0, data.cpu.services - data.cpu.servicesIdle) * 1e6) / Math.max(1, acked)) : null,
    clientCpuUsPerMessage: Math.round((data.cpu.client * 1e6) / Math.max(1, acked)),
    drainComplete: data.drainComplete,
    verifyErrors: data.verifyErrors,
  };
}

/**
 * What `--check` fails on: anything lost, repeated, out of order or refused, never a time.
 * Returns the reasons, empty when the step is clean.
 */
export function integrityProblems(f: StepFigures): string[] {
  const problems: string[] = [];
  const add = (n: number, what: string) => n > 0 && problems.push(`${f.system}: ${n} ${what}`);
  add(f.lost, "acked messages not delivered to every device");
  add(f.ackedNotStored, "acked messages not stored");
  add(f.duplicates, "duplicate deliveries");
  add(f.duplicateAcks, "duplicate acks");
  add(f.orderViolations, "order violations");
  add(f.storedMismatches, "devices whose messages differ from the stored sequence");
  add(f.unanswered, "sends never acked nor refused");
  add(Object.values(f.errorFrames).reduce((a, b) => a + b, 0), `error frames ${JSON.stringify(f.errorFrames)}`);
  add(f.connections.attempted - f.connections.ready, `failed connections ${JSON.stringify(f.connections.failures)}`);
  add(Object.values(f.unexpectedCloses).reduce((a, b) => a + b, 0), `sockets closed by the server ${JSON.stringify(f.unexpectedCloses)}`);
  add(f.unsentNoDevice, "sends skipped for lack of a connected device");
  add(f.verifyErrors.length, `verification errors ${f.verifyErrors.slice(0, 3).join("; ")}`);
  if (f.acked === 0) problems.push(`${f.system}: no message was acked`);
  return problems;
}
