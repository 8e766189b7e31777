/**
 * SPEC section 10 end to end: `wrangler dev` with its local queues, the push service,
 * FCM and webhook receiver stand-ins of test/services (the push service checks VAPID and
 * decrypts every payload; the receivers verify with the unmodified `standardwebhooks`).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateVapidKeys } from "../../../src/events/consumers/vapid-keys";
import { startFcmService, type FcmService } from "../../services/fcm-service";
import { startPushService, type PushService } from "../../services/push-service";
import { startWebhookReceiver, type WebhookReceiver } from "../../services/webhook-receiver";
import { chatE2e, type Person } from "../support/chat-e2e";
import { startDevServer, type DevServer } from "../support/dev-server";
import type { ChatSocket } from "../support/ws-client";

const SECRET = `e2e-${randomBytes(24).toString("hex")}`;
const HOOK_SECRET = `whsec_${randomBytes(32).toString("base64")}`;
/** The batching window: short, so the suite is quick; the rule is the same at 60 s. */
const WINDOW_SECONDS = 4;
/** The failing receiver refuses each event's first attempts; the schedule retries after 10 s and 30 s more. */
const FAIL_FIRST = 2;

let server: DevServer;
let push: PushService;
let fcm: FcmService;
let goodHooks: WebhookReceiver;
let failingHooks: WebhookReceiver;
let vapidPublicKey: string;

beforeAll(async () => {
  [push, fcm, goodHooks, failingHooks] = await Promise.all([
    startPushService(),
    startFcmService(),
    startWebhookReceiver({ secret: HOOK_SECRET }),
    startWebhookReceiver({ secret: HOOK_SECRET, failFirst: FAIL_FIRST }),
  ]);
  const vapid = await generateVapidKeys();
  vapidPublicKey = vapid.publicKey;
  server = await startDevServer({
    vars: {
      JWT_SECRET: SECRET,
      MAX_OPEN_REQUESTS: "0",
      CREATES_PER_HOUR: "0",
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
      VAPID_SUBJECT: "mailto:ops@example.com",
      PUSH_BATCH_SECONDS: String(WINDOW_SECONDS),
      FCM_SERVICE_ACCOUNT: JSON.stringify(fcm.account),
      FCM_ENDPOINT: fcm.url,
      WEBHOOK_URLS: `${goodHooks.url},${failingHooks.url}`,
      WEBHOOK_SECRET: HOOK_SECRET,
    },
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await Promise.all([push?.close(), fcm?.close(), goodHooks?.close(), failingHooks?.close()]);
});

const { rest, scheduledRoom, openBearer } = chatE2e(() => server, SECRET);

const person = (role: string, name: string): Person => ({ sub: `N${randomUUID().slice(0, 8).toUpperCase()}`, name, role });

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${server.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pushesTo = (subscriptionId: string, requestIdx?: number) =>
  push.received.filter((r) => r.subscriptionId === subscriptionId && (requestIdx === undefined || (r.payload as { requestIdx?: number })?.requestIdx === requestIdx));
const batchPushesTo = (subscriptionId: string, requestIdx: number) =>
  pushesTo(subscriptionId, requestIdx).filter((r) => (r.payload as { type?: string }).type === "message.batch");

async function subscribe(p: Person): Promise<string> {
  const { id, subscription } = push.subscribe({ applicationServerKey: vapidPublicKey });
  expect((await rest("/api/push/subscriptions", p, "POST", subscription)).status).toBe(201);
  return id;
}

async function sendMessages(socket: ChatSocket, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) {
    const clientMsgId = randomUUID();
    socket.send({ type: "send", clientMsgId, content: `메시지 ${i}` });
    // Under the room's rate limit (10/s sustained): every message is stored.
    await socket.next((f) => f.type === "ack" && f.clientMsgId === clientMsgId);
    await new Promise((r) => setTimeout(r, 60));
  }
}

describe("the events queue under wrangler dev", () => {
  it("delivers a lifecycle event to the webhook receiver (latency measured)", async () => {
    const student = person("student", "홍길동");
    const professor = person("professor", "김교수");
    const started = Date.now();
    const created = await rest("/api/consultations", student, "POST", { recipientUserCode: professor.sub, recipientName: professor.name, title: "지연 측정" });
    expect(created.status).toBe(201);
    const event = await until(
      "consultation.created at the receiver",
      () => [...goodHooks.accepted.values()].flat().find((e) => (e as { type: string; requestIdx: number }).type === "consultation.created" && (e as { requestIdx: number }).requestIdx === created.body.requestIdx),
      15_000,
    );
    const latencyMs = Date.now() - started;
    console.log(`local queue: consultation.created reached the webhook receiver ${latencyMs} ms after the request`);
    expect((event as { data: { requestIdx: number } }).data.requestIdx).toBe(created.body.requestIdx);
  });
});

describe("Web Push batching", () => {
  it("30 messages into a room whose other participant has no device in it: one push summing them, then at most one per window", async () => {
    const student = person("student", "홍길동");
    const professor = person("professor", "김교수");
    const studentDevice = await subscribe(student);
    const id = await scheduledRoom(student, professor);
    const prof = await openBearer(id, professor);
    await sendMessages(prof, 30);
    // The burst's events reach the push object through the queue, whose delivery may lag
    // behind a window under load: the burst is then summed over more than one push, never
    // more than one per window, and together they count every message exactly once.
    const countOf = (r: { payload?: unknown }) => Number(/(\d+)개/.exec((r.payload as { title: string }).title)?.[1]);
    const burst = await until(
      "pushes summing the 30 messages",
      () => {
        const got = batchPushesTo(studentDevice, id);
        return got.reduce((n, r) => n + countOf(r), 0) >= 30 && got;
      },
      (3 * WINDOW_SECONDS + 10) * 1000,
    );
    expect(burst.reduce((n, r) => n + countOf(r), 0)).toBe(30);
    for (const r of burst) {
      expect(r.decryptError).toBeUndefined();
      expect(r.payload).toMatchObject({ requestIdx: id, type: "message.batch", url: `/consultations/${id}` });
      expect((r.payload as { title: string }).title).toMatch(/^김교수님의 새 메시지 \d+개$/);
    }
    expect(burst.at(-1)!.payload).toMatchObject({ body: "메시지 30" });
    for (let i = 1; i < burst.length; i++) expect(burst[i]!.receivedAt - burst[i - 1]!.receivedAt).toBeGreaterThanOrEqual(WINDOW_SECONDS * 1000 - 500);
    // Nothing more for that burst, even a window later.
    await new Promise((r) => setTimeout(r, (WINDOW_SECONDS + 2) * 1000));
    expect(batchPushesTo(studentDevice, id)).toHaveLength(burst.length);
    // A new message opens the next window: one more push, a window after it.
    await sendMessages(prof, 2);
    const t = Date.now();
    const next = await until("the next window's push", () => batchPushesTo(studentDevice, id)[burst.length], (2 * WINDOW_SECONDS + 10) * 1000);
    expect(next.receivedAt - t).toBeGreaterThanOrEqual(WINDOW_SECONDS * 1000 - 500);
    const after = await until(
      "pushes summing the 2 new messages",
      () => {
        const got = batchPushesTo(studentDevice, id).slice(burst.length);
        return got.reduce((n, r) => n + countOf(r), 0) >= 2 && got;
      },
      (2 * WINDOW_SECONDS + 10) * 1000,
    );
    expect(after.reduce((n, r) => n + countOf(r), 0)).toBe(2);
    prof.close();
  }, 90_000);

  it("a participant with the room open on any device gets no push; the sender never does", async () => {
    const student = person("student", "홍길동");
    const professor = person("professor", "김교수");
    const studentDevice = await subscribe(student);
    const professorDevice = await subscribe(professor);
    const id = await scheduledRoom(student, professor);
    const studentSocket = await openBearer(id, student);
    const prof = await openBearer(id, professor);
    await sendMessages(prof, 5);
    await new Promise((r) => setTimeout(r, (WINDOW_SECONDS + 3) * 1000));
    expect(pushesTo(studentDevice, id).filter((p) => (p.payload as { type: string }).type === "message.batch")).toEqual([]);
    expect(pushesTo(professorDevice, id).filter((p) => (p.payload as { type: string }).type === "message.batch")).toEqual([]);
    studentSocket.close();
    prof.close();
  }, 60_000);

  it("a push service's 410 removes that subscription; the user's other device still gets pushed", async () => {
    const student = person("student", "홍길동");
    const professor = person("professor", "김교수");
    const gone = await subscribe(student);
    const kept = await subscribe(student);
    push.unsubscribe(gone);
    const t0 = Date.now();
    const id = await scheduledRoom(student, professor);
    // approve pushes the requester: the 410 prunes `gone`.
    await until("the approval push", () => pushesTo(kept, id).find((p) => (p.payload as { type: string }).type === "consultation.approved"), 15_000);
    console.log(`local queue: create + approve, then the approval's push arrived ${Date.now() - t0} ms after the create request (one queue hop)`);
    await until("the 410", () => push.rejections.some((r) => r.subscriptionId === gone && r.status === 410), 15_000);
    expect((await rest(`/api/consultations/${id}/start`, professor, "POST", {})).status).toBe(200);
    await until("the start push", () => pushesTo(kept, id).find((p) => (p.payload as { type: string }).type === "consultation.started"), 15_000);
    // Pruned: the start was never tried on it.
    expect(push.rejections.filter((r) => r.subscriptionId === gone)).toHaveLength(1);
  }, 60_000);
});

describe("FCM", () => {
  it("one access token for many sends to a native app's token", async () => {
    const student = person("student", "홍길동");
    const professor = person("professor", "김교수");
    const token = `fcm-${randomBytes(40).toString("hex")}`;
    expect((await rest("/api/push/fcm-tokens", student, "POST", { token })).status).toBe(201);
    const before = fcm.tokenRequests.filter((r) => r.ok).length;
    for (let i = 0; i < 3; i++) await scheduledRoom(student, professor);
    await until("three approvals at FCM", () => fcm.delivered.filter((d) => d.message.token === token).length >= 3 || undefined, 20_000);
    expect(fcm.tokenRequests.filter((r) => r.ok).length - before).toBeLessThanOrEqual(1);
    expect(new Set(fcm.delivered.filter((d) => d.message.token === token).map((d) => d.accessToken)).size).toBe(1);
  }, 60_000);

});

describe("webhooks", () => {
  it("a receiver failing the first attempts gets each event later with the same webhook-id; nothing is delivered twice", async () => {
    const student = person("student", "홍길동");
    const professor = person("professor", "김교수");
    const id = await scheduledRoom(student, professor);
    const ofRoom = (r: WebhookReceiver) => [...r.accepted.entries()].filter(([, events]) => (events[0] as { requestIdx: number }).requestIdx === id);
    await until("both events at the good receiver", () => ofRoom(goodHooks).length >= 2 || undefined, 15_000);
    // 10 s, then 30 s more by the schedule (webhooks.ts), plus the queue's own delays.
    await until("both events at the failing receiver", () => ofRoom(failingHooks).length >= 2 || undefined, 80_000);
    for (const receiver of [goodHooks, failingHooks]) {
      for (const [, events] of ofRoom(receiver)) expect(events).toHaveLength(1);
    }
    const ids = ofRoom(failingHooks).map(([webhookId]) => webhookId);
    for (const webhookId of ids) {
      const tries = failingHooks.attempts.filter((a) => a.webhookId === webhookId);
      expect(tries.map((a) => a.status)).toEqual([...Array(FAIL_FIRST).fill(503), 204]);
      expect(tries.every((a) => a.verified)).toBe(true);
      // The good receiver answered at once and was never asked again.
      expect(goodHooks.attempts.filter((a) => a.webhookId === webhookId)).toHaveLength(1);
    }
    const admin = { sub: "NADMIN", name: "관리자", role: "admin" };
    const log = await rest("/api/admin/webhooks", admin);
    expect(log.status).toBe(200);
    const rows = log.body.deliveries.filter((d: { eventId: string; url: string }) => ids.includes(d.eventId) && d.url === failingHooks.url);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toMatchObject({ attempts: FAIL_FIRST + 1, lastStatus: 204 });
  }, 120_000);
});
