import { afterAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import {
  MAX_QUEUE_DELAY_SECONDS,
  WEBHOOK_MAX_ATTEMPTS,
  WEBHOOK_RETRY_DELAYS_SECONDS,
  WEBHOOK_TIMEOUT_MS,
  deliverWebhook,
  generateWebhookSecret,
  nextWebhookStep,
  parseWebhookSecret,
  parseWebhookUrls,
  signWebhook,
  type WebhookAttempt,
} from "../../../src/events/consumers/webhooks";
import { consultationEvent, messageEvent, type DomainEvent } from "../../../src/events/types";
import type { Consultation } from "../../../src/domain/types";
import { startWebhookReceiver, type WebhookReceiver } from "../../services/webhook-receiver";
import { startRawHttpService } from "../../services/raw-http";

const secret = generateWebhookSecret();
const key = parseWebhookSecret(secret);

const consultation: Consultation = {
  requestIdx: 12, status: "SCHEDULED", requesterUserCode: "S2024001", requesterName: "홍길동", recipientUserCode: "PROF001",
  recipientName: "김교수", category: null, title: "진로 상담", content: "대학원 진학", scheduledAt: "2026-12-02T06:00:00.000Z",
  rejectionReason: null, cancelReason: null, createdAt: "2026-12-01T01:00:00.000Z", updatedAt: "2026-12-01T02:00:00.000Z",
  startedAt: null, endedAt: null, durationMinutes: null, lastActivityAt: null, messageCount: 0, chatLogKey: null, endedBy: null,
};

const receivers: WebhookReceiver[] = [];
async function receiver(options: Parameters<typeof startWebhookReceiver>[0]) {
  const r = await startWebhookReceiver(options);
  receivers.push(r);
  return r;
}
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

/**
 * The queue consumer's loop for one event and one URL, without the waiting: attempt,
 * then act on nextWebhookStep as `message.retry({ delaySeconds })` would.
 */
async function deliverLikeTheQueue(url: string, event: DomainEvent) {
  const delays: number[] = [];
  for (let attempts = 1; ; attempts++) {
    const attempt = await deliverWebhook(url, event, key);
    const step = nextWebhookStep(attempt, attempts);
    if (step.action === "done") return { outcome: "delivered" as const, attempts, delays };
    if (step.action === "dead-letter") return { outcome: "dead-letter" as const, attempts, delays };
    delays.push(step.delaySeconds);
  }
}

describe("webhook delivery verified by the standardwebhooks package", () => {
  it("signs each event so the receiver verifies it; webhook-id is the event id", async () => {
    const r = await receiver({ secret });
    const event = consultationEvent("consultation.approved", consultation);
    const attempt = await deliverWebhook(r.url, event, key);
    expect(attempt).toMatchObject({ ok: true, status: 204 });
    expect(r.attempts).toEqual([{ webhookId: event.id, status: 204, verified: true }]);
    expect(r.accepted.get(event.id)).toEqual([JSON.parse(JSON.stringify(event))]);
  });

  it("our signature equals the package's for the same id, timestamp and body", async () => {
    const body = JSON.stringify({ test: 2432232314 });
    expect(await signWebhook(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)).toBe(
      new Webhook(secret).sign("msg_p5jXN8AQM9LWM0D4loKWxJek", new Date(1614265330 * 1000), body),
    );
  });

  it("a delivery signed with another secret, or with a stale timestamp, is refused by the receiver", async () => {
    const r = await receiver({ secret });
    const event = messageEvent({ id: "m1", seq: 1, requestIdx: 12, sender: "PROF001", senderName: "김교수", type: "NORMAL", content: "안녕하세요", sentAt: "2026-12-01T03:00:00.000Z", clientMsgId: null });
    const wrong = await deliverWebhook(r.url, event, parseWebhookSecret(generateWebhookSecret()));
    expect(wrong).toMatchObject({ ok: false, status: 400 });
    const stale = await deliverWebhook(r.url, event, key, { now: () => Date.now() - 10 * 60_000 });
    expect(stale).toMatchObject({ ok: false, status: 400 });
    expect(r.attempts.map((a) => [a.verified, a.error])).toEqual([
      [false, "No matching signature found"],
      [false, "Message timestamp too old"],
    ]);
    expect(r.accepted.size).toBe(0);
  });

  it("a receiver failing the first 3 attempts gets the event on the 4th with the same webhook-id, once", async () => {
    const r = await receiver({ secret, failFirst: 3 });
    const event = consultationEvent("consultation.created", consultation);
    const result = await deliverLikeTheQueue(r.url, event);
    expect(result).toEqual({ outcome: "delivered", attempts: 4, delays: WEBHOOK_RETRY_DELAYS_SECONDS.slice(0, 3) });
    expect(r.attempts.map((a) => [a.webhookId, a.status, a.verified])).toEqual([
      [event.id, 503, true],
      [event.id, 503, true],
      [event.id, 503, true],
      [event.id, 204, true],
    ]);
    expect(r.accepted.get(event.id)).toHaveLength(1);
  });

  it("each event id is accepted exactly once by a receiver that answers 2xx", async () => {
    const r = await receiver({ secret, failFirst: 1 });
    const events = ["consultation.created", "consultation.approved", "consultation.started"].map((t) => consultationEvent(t as "consultation.created", consultation));
    for (const event of events) await deliverLikeTheQueue(r.url, event);
    expect([...r.accepted.keys()].sort()).toEqual(events.map((e) => e.id).sort());
    for (const event of events) expect(r.accepted.get(event.id)).toHaveLength(1);
  });

  it("a receiver that never succeeds is tried WEBHOOK_MAX_ATTEMPTS times, then dead-lettered", async () => {
    const r = await receiver({ secret, alwaysStatus: 500 });
    const event = consultationEvent("consultation.ended", consultation);
    const result = await deliverLikeTheQueue(r.url, event);
    expect(result).toEqual({ outcome: "dead-letter", attempts: WEBHOOK_MAX_ATTEMPTS, delays: [...WEBHOOK_RETRY_DELAYS_SECONDS] });
    expect(r.attempts).toHaveLength(WEBHOOK_MAX_ATTEMPTS);
    expect(new Set(r.attempts.map((a) => a.webhookId))).toEqual(new Set([event.id]));
  });

  it("4xx and redirects count as failures (redirects are not followed)", async () => {
    const target = await receiver({ secret });
    const redirecting = await receiver({ secret, redirectTo: target.url });
    const event = consultationEvent("consultation.rejected", consultation);
    await expect(deliverWebhook(redirecting.url, event, key)).resolves.toMatchObject({ ok: false, status: 307 });
    expect(target.attempts).toHaveLength(0);
    const gone = await receiver({ secret, alwaysStatus: 410 });
    await expect(deliverWebhook(gone.url, event, key)).resolves.toMatchObject({ ok: false, status: 410 });
  });

  it("no answer within the timeout, or no server at all, is a failed attempt", async () => {
    expect(WEBHOOK_TIMEOUT_MS).toBe(10_000);
    const silent = await receiver({ secret, hang: true });
    const event = consultationEvent("consultation.cancelled", consultation);
    await expect(deliverWebhook(silent.url, event, key, { timeoutMs: 300 })).resolves.toMatchObject({ ok: false, status: null, error: "no answer within 300 ms" });
    const closed = await startRawHttpService(() => ({ status: 204 }));
    await closed.close();
    await expect(deliverWebhook(`${closed.url}/hooks`, event, key)).resolves.toMatchObject({ ok: false, status: null, error: expect.stringMatching(/^network/) });
  });
});

describe("retry schedule", () => {
  it("first retry within 30 s, growing, each within the queue's 12 h cap, spanning at least 24 h", () => {
    const delays = WEBHOOK_RETRY_DELAYS_SECONDS;
    expect(delays[0]).toBeLessThanOrEqual(30);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]!);
    expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_QUEUE_DELAY_SECONDS);
    const total = delays.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(24 * 3600);
    // Not much more than needed either: without the last delay it would fall short.
    expect(total - delays.at(-1)!).toBeLessThan(24 * 3600);
    expect(WEBHOOK_MAX_ATTEMPTS).toBe(delays.length + 1);
  });

  it("a receiver's Retry-After lengthens a delay, never past 12 h; it never shortens one", () => {
    const failed = (retryAfterSeconds: number | null): WebhookAttempt => ({ ok: false, status: 429, error: "x", durationMs: 1, retryAfterSeconds });
    expect(nextWebhookStep(failed(600), 1)).toEqual({ action: "retry", delaySeconds: 600 });
    expect(nextWebhookStep(failed(1), 3)).toEqual({ action: "retry", delaySeconds: WEBHOOK_RETRY_DELAYS_SECONDS[2] });
    expect(nextWebhookStep(failed(10 ** 6), 1)).toEqual({ action: "retry", delaySeconds: MAX_QUEUE_DELAY_SECONDS });
    expect(nextWebhookStep(failed(null), WEBHOOK_MAX_ATTEMPTS)).toEqual({ action: "dead-letter", attempts: WEBHOOK_MAX_ATTEMPTS });
  });
});

describe("webhook configuration", () => {
  it("WEBHOOK_SECRET must be whsec_ + base64 of at least 16 bytes", () => {
    expect(() => parseWebhookSecret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).toThrow(/whsec_/);
    expect(() => parseWebhookSecret("whsec_not*base64")).toThrow(/not base64/);
    expect(() => parseWebhookSecret("whsec_c2hvcnQ=")).toThrow(/at least 16/);
    expect(parseWebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").byteLength).toBe(24);
    expect(generateWebhookSecret()).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  });

  it("WEBHOOK_URLS is a comma-separated list of http(s) URLs", () => {
    expect(parseWebhookUrls(undefined)).toEqual([]);
    expect(parseWebhookUrls(" https://lms.example.edu/hooks , https://desk.example.com/in,https://lms.example.edu/hooks ")).toEqual([
      "https://lms.example.edu/hooks",
      "https://desk.example.com/in",
    ]);
    expect(() => parseWebhookUrls("lms.example.edu/hooks")).toThrow(/not a URL/);
    expect(() => parseWebhookUrls("ftp://lms.example.edu/hooks")).toThrow(/http\(s\)/);
  });
});
