import type { SystemName } from "./options";
import type { PeerServer } from "./peer/start";
import { workerdPids } from "./proc-stats";
import { mintParticipant, type Participant } from "./tokens";
import type { DevServer } from "./wrangler-server";

/** One consultation under load: its requester (student) and recipient (professor). */
export interface Room {
  requestIdx: number;
  participants: [Participant, Participant];
}

/** A system under test: where it listens and how its rooms come to exist. */
export interface Target {
  system: SystemName;
  baseUrl: string;
  /** DevTools endpoint for `--profile`: the Worker's isolate, or the peer's node process. */
  inspectorPort: number;
  /**
   * The processes whose CPU and memory are the system's: the workerd processes of a
   * `wrangler dev`; the peer's node process and its redis-server.
   */
  pids(): number[];
  /** The server's own output so far, kept for runs with integrity problems. */
  output(): string;
  /** The system's CPU seconds per second while idle, subtracted from per-message CPU. */
  idleCpuPerSecond: number;
  /** The stack's service processes (Stack.pids; none on the embedded stack), and their idle rate. */
  services: { pids(): number[]; idleCpuPerSecond: number };
  /** Rooms made so far; `ensureRooms` adds until there are `n`. */
  rooms: Room[];
  ensureRooms(n: number): Promise<Room[]>;
}

async function call(base: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function inBatches<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  });
  await Promise.all(lanes);
  return out;
}

/** Until run.ts hands a target the stack's services. */
const noServices = () => ({ pids: () => [], idleCpuPerSecond: 0 });

/** Looked up each time: wrangler may start another workerd during a run. */
const fromDevServer = (server: DevServer) => ({
  baseUrl: server.baseUrl,
  inspectorPort: server.inspectorPort,
  pids: () => workerdPids(server.pid),
  output: server.output,
});

function participantsFor(secret: string, n: number) {
  return Promise.all([mintParticipant(secret, `BSTU${n}`, "student"), mintParticipant(secret, `BPROF${n}`, "professor")]);
}

/**
 * The product: the student creates a consultation with the professor through the REST
 * API and the professor approves it, as in SPEC section 2, so the room is open and the
 * first message starts it. The professor first makes one authenticated call, so the
 * product knows their name however it records users.
 */
export function productTarget(server: DevServer, secret: string): Target {
  const target: Target = {
    system: "product",
    ...fromDevServer(server),
    idleCpuPerSecond: 0,
    services: noServices(),
    rooms: [],
    async ensureRooms(n) {
      const wanted = Array.from({ length: Math.max(0, n - target.rooms.length) }, (_, i) => target.rooms.length + i + 1);
      const made = await inBatches(wanted, 6, async (k) => {
        const [student, professor] = await participantsFor(secret, k);
        await call(server.baseUrl, professor.token, "GET", "/api/consultations?limit=1");
        const created = await call(server.baseUrl, student.token, "POST", "/api/consultations", {
          recipientUserCode: professor.userCode,
          title: `Benchmark room ${k}`,
          content: "load test",
        });
        const requestIdx = Number(created.requestIdx);
        await call(server.baseUrl, professor.token, "POST", `/api/consultations/${requestIdx}/approve`, {});
        return { requestIdx, participants: [student, professor] } satisfies Room;
      });
      target.rooms.push(...made);
      return target.rooms.slice(0, n);
    },
  };
  return target;
}

/** The baseline has no lifecycle: room k simply exists. Same users and tokens as the product. */
export function baselineTarget(server: DevServer, secret: string): Target {
  const target: Target = {
    system: "baseline",
    ...fromDevServer(server),
    idleCpuPerSecond: 0,
    services: noServices(),
    rooms: [],
    async ensureRooms(n) {
      for (let k = target.rooms.length + 1; k <= n; k++) {
        target.rooms.push({ requestIdx: k, participants: await participantsFor(secret, k) });
      }
      return target.rooms.slice(0, n);
    },
  };
  return target;
}

/**
 * The peer: the student registers the room with its professor (the seeds keep that row
 * in MariaDB; the peer in its memory), then both connect with their tokens.
 */
export function peerTarget(peer: PeerServer, secret: string): Target {
  const target: Target = {
    system: "peer",
    baseUrl: peer.baseUrl,
    inspectorPort: peer.inspectorPort,
    pids: () => peer.pids,
    output: peer.output,
    idleCpuPerSecond: 0,
    services: noServices(),
    rooms: [],
    async ensureRooms(n) {
      const wanted = Array.from({ length: Math.max(0, n - target.rooms.length) }, (_, i) => target.rooms.length + i + 1);
      const made = await inBatches(wanted, 6, async (k) => {
        const [student, professor] = await participantsFor(secret, k);
        await call(peer.baseUrl, student.token, "POST", "/api/rooms", { requestIdx: k, recipientUserCode: professor.userCode });
        return { requestIdx: k, participants: [student, professor] } satisfies Room;
      });
      target.rooms.push(...made);
      return target.rooms.slice(0, n);
    },
  };
  return target;
}

/** The stored messages after `afterSeq`, oldest first (SPEC section 3), read as the requester. */
export async function storedMessages(target: Target, room: Room, afterSeq: number) {
  const body = await call(
    target.baseUrl,
    room.participants[0].token,
    "GET",
    `/api/chat/messages/${room.requestIdx}?afterSeq=${afterSeq}`,
  );
  return body.messages as { id: string; seq: number }[];
}
