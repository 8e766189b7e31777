import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { watchClientPauses, type ClientPause } from "./client-pauses";
import { closeDevices, connectDevice, newLedger, type Device, type SendLedger } from "./devices";
import type { IdlePlan, LoadShape } from "./options";
import { cpuSeconds, measureCpu, rssBytes, sampleMemory } from "./proc-stats";
import { inBatches, storedMessages, type Room, type Target } from "./targets";

/** The raw record of one load step; `analyze` turns it into figures. */
export interface StepData {
  shape: LoadShape;
  devices: Device[];
  ledger: SendLedger;
  /** Monotonic ms: the first and the last timed send. */
  firstSendAt: number;
  lastSendAt: number;
  drainComplete: boolean;
  /** Sends skipped because none of the sender's devices connected. */
  unsentNoDevice: number;
  peakRssBytes: number;
  /** Idle preset: the system's RSS before the sockets opened and once they sat idle. */
  idle: { sockets: number; activeRooms: number; rssBeforeBytes: number; rssIdleBytes: number } | null;
  /** CPU seconds of the system (workerd, or the peer's node + redis-server) and of the load generator from the first send to the end of the drain. */
  cpu: { server: number; client: number; serverIdle: number; services: number; servicesIdle: number };
  /** Per room: the stored messages after the devices' `ready` seq (GET /api/chat/messages). */
  stored: Map<number, { id: string; seq: number }[]>;
  verifyErrors: string[];
  /** The load generator's own pauses (GC, a late event loop) from the first timed send to the end of the drain. */
  clientPauses: ClientPause[];
}

interface Sender {
  room: Room;
  devices: Device[];
  turn: number;
}

/** Sends spread evenly over each sender with a random phase, merged into one timetable. */
function timetable(senders: Sender[], rate: number, seconds: number) {
  const perSender = rate / senders.length;
  const period = 1000 / perSender;
  const events: { at: number; sender: Sender }[] = [];
  for (const sender of senders) {
    for (let at = Math.random() * period; at < seconds * 1000; at += period) events.push({ at, sender });
  }
  return events.sort((a, b) => a.at - b.at);
}

/** Open loop: each send goes at its time whatever the answers, like real users would. */
function playTimetable(events: ReturnType<typeof timetable>, send: (s: Sender) => void): Promise<void> {
  return new Promise((resolve) => {
    const start = performance.now();
    let i = 0;
    const tick = () => {
      const now = performance.now() - start;
      while (i < events.length && events[i]!.at <= now) send(events[i++]!.sender);
      if (i >= events.length) return resolve();
      setTimeout(tick, Math.max(0, events[i]!.at - (performance.now() - start)));
    };
    tick();
  });
}

/** Every ack or refusal came back and every acked message reached every connected device of its room. */
function drained(ledger: SendLedger, sent: number, devicesPerRoom: Map<number, number>): boolean {
  if (ledger.acks.size + ledger.refused.size < sent) return false;
  for (const [clientMsgId] of ledger.acks) {
    const room = ledger.sentAt.get(clientMsgId)!.device.room.requestIdx;
    if ((ledger.deliveries.get(clientMsgId) ?? 0) < devicesPerRoom.get(room)!) return false;
  }
  return true;
}

const padding = " ".repeat(8) + "benchmark payload: a typical chat line of about one hundred characters.";

/** Sends one message now; returns its clientMsgId. */
function send(ledger: SendLedger, device: Device, text: string): string {
  const clientMsgId = randomUUID();
  ledger.sentAt.set(clientMsgId, { at: performance.now(), device });
  device.ws!.send(JSON.stringify({ type: "send", clientMsgId, content: `${text}${padding}` }));
  return clientMsgId;
}

/** Waits (at most `ms`) until the send `clientMsgId` was acked or refused. */
async function answered(ledger: SendLedger, clientMsgId: string, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!ledger.acks.has(clientMsgId) && !ledger.refused.has(clientMsgId) && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits (at most `ms`) until everything sent so far is answered and delivered everywhere. */
async function drain(ledger: SendLedger, devicesPerRoom: Map<number, number>, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!drained(ledger, ledger.sentAt.size, devicesPerRoom)) {
    if (performance.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A server is quiet when it burns at most this share of a core above its idle rate. */
const QUIET_SHARE = 0.05;
const QUIET_WINDOW_MS = 250;

/**
 * Waits until the server has been quiet for two windows in a row (at most `maxMs`): work
 * left over from an earlier phase must not be counted in the next one's latency and CPU.
 */
async function quiet(target: Target, maxMs = 15_000): Promise<void> {
  const pids = target.pids();
  const deadline = performance.now() + maxMs;
  let calm = 0;
  while (calm < 2 && performance.now() < deadline) {
    const before = cpuSeconds(pids);
    await sleep(QUIET_WINDOW_MS);
    const used = cpuSeconds(pids) - before - (target.idleCpuPerSecond * QUIET_WINDOW_MS) / 1000;
    calm = used <= (QUIET_SHARE * QUIET_WINDOW_MS) / 1000 ? calm + 1 : 0;
  }
}

/**
 * One step: connect every device, one message per room, then the timed open-loop load.
 * With `idle`, the load is a trickle in the first `activeRooms` rooms only: before it
 * every socket sits silent for `settleSeconds` (rooms hibernate) and the RSS is read;
 * after it every room gets one more message, so each hibernated room must wake and
 * deliver to all its devices. `skipRooms`: rooms earlier steps used, left alone (each
 * `--repeat` round and the profiled step get rooms of their own, see run.ts).
 */
export async function runStep(target: Target, shape: LoadShape, drainMs: number, idle: IdlePlan | null = null, skipRooms = 0): Promise<StepData> {
  const rooms = (await target.ensureRooms(skipRooms + shape.rooms)).slice(skipRooms);
  const ledger = newLedger();
  const pids = target.pids();
  const rssBeforeBytes = rssBytes(pids);
  const memory = sampleMemory(pids);
  const specs = rooms.flatMap((room) =>
    ([0, 1] as const).flatMap((side) => Array.from({ length: shape.devices }, () => ({ room, side }))),
  );
  const devices = await inBatches(specs, 16, ({ room, side }) => connectDevice(target.baseUrl, room, side, ledger));
  const live = devices.filter((d) => d.readySeq !== null);
  const devicesPerRoom = new Map(rooms.map((r) => [r.requestIdx, live.filter((d) => d.room === r).length]));

  // The setup's own background work (the creates' and approves' events, inbox notices,
  // queue consumer) finishes first, so the first messages are timed on their own.
  await quiet(target);
  // One message per room first, timed apart: the product's first message starts the
  // consultation (a state change through the repository), and the room's Durable Object
  // wakes up; neither is the steady state the timed load measures.
  // The idle preset has hundreds of rooms: their first messages go at most 8 at a time,
  // or the product would start hundreds of consultations at once (a burst no user makes)
  // and the step would measure that queue instead of idle sockets.
  const firstSenders = rooms.flatMap((room) => live.filter((d) => d.room === room && d.side === 0).slice(0, 1));
  await inBatches(firstSenders, idle ? 8 : firstSenders.length, async (device) => {
    const id = send(ledger, device, "warm-up");
    ledger.warmup.add(id);
    if (idle) await answered(ledger, id, drainMs);
  });
  await drain(ledger, devicesPerRoom, drainMs);
  let rssIdleBytes = 0;
  if (idle) {
    await sleep(idle.settleSeconds * 1000);
    rssIdleBytes = rssBytes(target.pids());
  }

  // Likewise the first messages' tail (the auto-starts' events): the timed load measures messages only.
  await quiet(target);
  const senders: Sender[] = (idle ? rooms.slice(0, idle.activeRooms) : rooms).flatMap((room) =>
    ([0, 1] as const).map((side) => ({ room, devices: live.filter((d) => d.room === room && d.side === side), turn: 0 })),
  );
  let sent = 0;
  let unsentNoDevice = 0;
  let firstSendAt = 0;
  let lastSendAt = 0;
  const cpu = measureCpu(target.pids());
  const servicePids = target.services.pids();
  const servicesBefore = cpuSeconds(servicePids);
  const cpuFrom = performance.now();
  const pauses = watchClientPauses();
  await playTimetable(timetable(senders, shape.rate, shape.seconds), (sender) => {
    // The participant's devices take turns, so every device sends and receives its own echo.
    const device = sender.devices[sender.turn++ % Math.max(1, sender.devices.length)];
    if (!device) return void unsentNoDevice++;
    const at = ledger.sentAt.get(send(ledger, device, `#${sent}`))!.at;
    if (sent++ === 0) firstSendAt = at;
    lastSendAt = at;
  });

  const drainComplete = await drain(ledger, devicesPerRoom, drainMs);
  const clientPauses = pauses.stop();
  const measuredSeconds = (performance.now() - cpuFrom) / 1000;
  const cpuUsed = {
    ...cpu.stop(),
    serverIdle: target.idleCpuPerSecond * measuredSeconds,
    services: cpuSeconds(servicePids) - servicesBefore,
    servicesIdle: target.services.idleCpuPerSecond * measuredSeconds,
  };
  let wakeComplete = true;
  if (idle) {
    // From the other side than the warm-up, so both participants' sockets have sent;
    // 8 rooms at a time like the first messages, so the latency is a room's wake-up and
    // not a queue of hundreds of them.
    const wakeSenders = rooms.flatMap((room) => live.filter((d) => d.room === room && d.side === 1).slice(0, 1));
    await inBatches(wakeSenders, 8, async (device) => {
      const id = send(ledger, device, "wake-up");
      ledger.wake.add(id);
      await answered(ledger, id, drainMs);
    });
    wakeComplete = await drain(ledger, devicesPerRoom, drainMs);
  }

  const stored = new Map<number, { id: string; seq: number }[]>();
  const verifyErrors: string[] = [];
  await inBatches(rooms, 8, async (room) => {
    const seqs = live.filter((d) => d.room === room).map((d) => d.readySeq!);
    if (!seqs.length) return;
    try {
      stored.set(room.requestIdx, await storedMessages(target, room, Math.min(...seqs)));
    } catch (e) {
      verifyErrors.push(`room ${room.requestIdx}: ${(e as Error).message}`);
    }
  });
  await closeDevices(devices);
  return {
    shape, devices, ledger, firstSendAt, lastSendAt, drainComplete: drainComplete && wakeComplete, unsentNoDevice,
    peakRssBytes: memory.stop(), cpu: cpuUsed, stored, verifyErrors, clientPauses,
    idle: idle ? { sockets: live.length, activeRooms: Math.min(idle.activeRooms, rooms.length), rssBeforeBytes, rssIdleBytes } : null,
  };
}
