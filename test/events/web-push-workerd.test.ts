import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createWebPushSender } from "../../src/events/consumers/web-push";
import { generateVapidKeys } from "../../src/events/consumers/vapid-keys";
import type { PushPayload } from "../../src/events/consumers/notification-text";

/** The push service stand-in runs in Node; this file reaches it over its `_control/` API. */
const serviceUrl = (env as unknown as { TEST_PUSH_SERVICE: string }).TEST_PUSH_SERVICE;

interface Subscribed {
  id: string;
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
}

async function subscribe(applicationServerKey: string): Promise<Subscribed> {
  const res = await fetch(`${serviceUrl}/_control/subscribe`, { method: "POST", body: JSON.stringify({ applicationServerKey }) });
  expect(res.status).toBe(200);
  return res.json();
}

async function arrived(id: string): Promise<{ received: { payload?: unknown; decryptError?: string; vapid: { aud: string } }[]; rejections: unknown[] }> {
  return (await fetch(`${serviceUrl}/_control/received/${id}`)).json();
}

const payload: PushPayload = { title: "상담이 승인되었습니다", body: "김교수님 · 진로 상담", url: "/consultations/42", requestIdx: 42, type: "consultation.approved" };

describe("web push inside workerd", () => {
  it("generates VAPID keys, encrypts and signs; the push service verifies and the browser decrypts", async () => {
    const keys = await generateVapidKeys();
    const { id, subscription } = await subscribe(keys.publicKey);
    const outcome = await createWebPushSender({ ...keys, subject: "mailto:ops@example.edu" }).send(subscription, payload, { urgency: "normal" });
    expect(outcome).toEqual({ kind: "ok", status: 201 });
    const { received, rejections } = await arrived(id);
    expect(rejections).toEqual([]);
    expect(received).toHaveLength(1);
    expect(received[0]!.decryptError).toBeUndefined();
    expect(received[0]!.payload).toEqual(payload);
    expect(received[0]!.vapid.aud).toBe(serviceUrl);
  });

  it("a push encrypted for another browser's key does not decrypt", async () => {
    const keys = await generateVapidKeys();
    const browser = await subscribe(keys.publicKey);
    const other = await subscribe(keys.publicKey);
    const wrong = { endpoint: browser.subscription.endpoint, keys: { ...browser.subscription.keys, p256dh: other.subscription.keys.p256dh } };
    await expect(createWebPushSender({ ...keys, subject: "mailto:ops@example.edu" }).send(wrong, payload)).resolves.toMatchObject({ kind: "ok" });
    const { received } = await arrived(browser.id);
    expect(received[0]?.payload).toBeUndefined();
    expect(received[0]?.decryptError).toBeTruthy();
  });

  it("a VAPID private key of another pair is caught before anything is sent", async () => {
    const keys = await generateVapidKeys();
    const other = await generateVapidKeys();
    const { id, subscription } = await subscribe(keys.publicKey);
    const outcome = await createWebPushSender({ ...keys, privateKey: other.privateKey, subject: "mailto:ops@example.edu" }).send(subscription, payload);
    expect(outcome).toMatchObject({ kind: "failed", reason: expect.stringMatching(/does not belong/) });
    expect(await arrived(id)).toEqual({ received: [], rejections: [] });
  });

  it("an endpoint that is gone is classified for pruning", async () => {
    const keys = await generateVapidKeys();
    const { subscription } = await subscribe(keys.publicKey);
    const unknown = { ...subscription, endpoint: `${serviceUrl}/push/no-such-subscription` };
    await expect(createWebPushSender({ ...keys, subject: "mailto:ops@example.edu" }).send(unknown, payload)).resolves.toMatchObject({ kind: "gone", status: 404 });
  });
});
