import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT, importJWK } from "jose";
import { createWebPushSender, isAllowedPushEndpoint, type VapidKeys } from "../../../src/events/consumers/web-push";
import { generateVapidKeys } from "../../../src/events/consumers/vapid-keys";
import type { PushPayload } from "../../../src/events/consumers/notification-text";
import { startPushService, type PushService } from "../../services/push-service";
import { startRawHttpService } from "../../services/raw-http";

const payload: PushPayload = { title: "김교수님의 새 메시지 3개", body: "내일 오후 3시에 뵙겠습니다 🙂", url: "/consultations/7", requestIdx: 7, type: "message.batch" };

let service: PushService;
let vapid: VapidKeys;

beforeAll(async () => {
  service = await startPushService();
  vapid = { ...(await generateVapidKeys()), subject: "mailto:ops@example.edu" };
});
afterAll(() => service.close());

const received = (id: string) => service.received.filter((r) => r.subscriptionId === id);
const rejected = (id: string) => service.rejections.filter((r) => r.subscriptionId === id);

describe("web push sender against the local push service", () => {
  it("delivers a payload the browser decrypts, with VAPID claims and RFC 8030 headers", async () => {
    const { id, subscription } = service.subscribe({ applicationServerKey: vapid.publicKey });
    const sender = createWebPushSender(vapid);
    const outcome = await sender.send(subscription, payload, { ttlSeconds: 3600, urgency: "high", topic: "room-7" });
    expect(outcome).toEqual({ kind: "ok", status: 201 });
    const [push] = received(id);
    expect(push?.decryptError).toBeUndefined();
    expect(push?.payload).toEqual(payload);
    expect(push).toMatchObject({ ttl: 3600, urgency: "high", topic: "room-7" });
    expect(push?.vapid.aud).toBe(service.url);
    expect(push?.vapid.sub).toBe("mailto:ops@example.edu");
    const ahead = push!.vapid.exp - Date.now() / 1000;
    expect(ahead).toBeGreaterThan(11 * 3600);
    expect(ahead).toBeLessThanOrEqual(12 * 3600 + 1);
  });

  it("sends the default TTL and no Urgency/Topic when none is asked for", async () => {
    const { id, subscription } = service.subscribe();
    await expect(createWebPushSender(vapid).send(subscription, payload)).resolves.toMatchObject({ kind: "ok" });
    expect(received(id)[0]).toMatchObject({ ttl: 86400, urgency: null, topic: null, payload });
  });

  it("encrypts for the subscription's key: a push made for other keys fails to decrypt", async () => {
    const browser = service.subscribe();
    const other = service.subscribe();
    const sender = createWebPushSender(vapid);
    // The endpoint of one browser with the public key of another: only that other could read it.
    await sender.send({ endpoint: browser.subscription.endpoint, keys: { ...browser.subscription.keys, p256dh: other.subscription.keys.p256dh } }, payload);
    // The right key pair with another auth secret.
    await sender.send({ endpoint: browser.subscription.endpoint, keys: { ...browser.subscription.keys, auth: other.subscription.keys.auth } }, payload);
    const pushes = received(browser.id);
    expect(pushes).toHaveLength(2);
    for (const push of pushes) {
      expect(push.payload).toBeUndefined();
      expect(push.decryptError).toMatch(/unable to authenticate|auth/i);
    }
  });

  it("a subscription made with another VAPID key is refused (403) and classified failed, not pruned", async () => {
    const otherKeys = await generateVapidKeys();
    const { id, subscription } = service.subscribe({ applicationServerKey: otherKeys.publicKey });
    const outcome = await createWebPushSender(vapid).send(subscription, payload);
    expect(outcome).toMatchObject({ kind: "failed", status: 403 });
    expect(received(id)).toHaveLength(0);
  });

  it("a VAPID private key that is not the public key's pair is reported, nothing is sent", async () => {
    const other = await generateVapidKeys();
    const { id, subscription } = service.subscribe();
    const outcome = await createWebPushSender({ ...vapid, privateKey: other.privateKey }).send(subscription, payload);
    expect(outcome).toMatchObject({ kind: "failed", status: null, reason: expect.stringMatching(/does not belong/) });
    expect(received(id)).toHaveLength(0);
    expect(rejected(id)).toHaveLength(0);
  });

  it("404 and 410 mean gone (prune)", async () => {
    const sender = createWebPushSender(vapid);
    const unsubscribed = service.subscribe();
    service.unsubscribe(unsubscribed.id);
    await expect(sender.send(unsubscribed.subscription, payload)).resolves.toMatchObject({ kind: "gone", status: 410 });
    const unknown = { ...unsubscribed.subscription, endpoint: `${service.url}/push/never-existed` };
    await expect(sender.send(unknown, payload)).resolves.toMatchObject({ kind: "gone", status: 404 });
  });

  it("429 and 5xx are retried, with the service's Retry-After", async () => {
    const sender = createWebPushSender(vapid);
    const { id, subscription } = service.subscribe();
    service.failWith(id, 429, { "retry-after": "120" });
    await expect(sender.send(subscription, payload)).resolves.toMatchObject({ kind: "retry", status: 429, retryAfterSeconds: 120 });
    service.failWith(id, 503);
    await expect(sender.send(subscription, payload)).resolves.toMatchObject({ kind: "retry", status: 503, retryAfterSeconds: null });
    service.failWith(id, null);
    await expect(sender.send(subscription, payload)).resolves.toEqual({ kind: "ok", status: 201 });
    expect(received(id)).toHaveLength(1);
  });

  it("other refusals (400, 401, 413) are failed: a retry would be refused the same way", async () => {
    const { subscription } = service.subscribe();
    for (const status of [400, 401, 413]) {
      const refusing = await startRawHttpService(() => ({ status, body: "nope" }));
      try {
        await expect(createWebPushSender(vapid).send({ ...subscription, endpoint: `${refusing.url}/push/x` }, payload)).resolves.toMatchObject({ kind: "failed", status, reason: expect.stringContaining("nope") });
      } finally {
        await refusing.close();
      }
    }
  });

  it("an unreachable or silent push service is a retry", async () => {
    const { subscription } = service.subscribe();
    const gone = await startRawHttpService(() => ({ status: 201 }));
    await gone.close();
    const sender = createWebPushSender(vapid);
    await expect(sender.send({ ...subscription, endpoint: `${gone.url}/push/x` }, payload)).resolves.toMatchObject({ kind: "retry", status: null });

    const silent = await startRawHttpService(() => new Promise(() => {}));
    try {
      const quick = createWebPushSender(vapid, { timeoutMs: 300 });
      await expect(quick.send({ ...subscription, endpoint: `${silent.url}/push/x` }, payload)).resolves.toMatchObject({ kind: "retry", status: null, reason: expect.stringMatching(/network/) });
    } finally {
      await silent.close();
    }
  });

  it("refuses subscriptions it must not use, without a request", async () => {
    const { id, subscription } = service.subscribe();
    const sender = createWebPushSender(vapid);
    const cases = [
      { ...subscription, endpoint: "http://push.example.com/x" },
      { ...subscription, endpoint: "not a url" },
      { ...subscription, keys: { ...subscription.keys, p256dh: subscription.keys.p256dh.slice(0, 40) } },
      { ...subscription, keys: { ...subscription.keys, auth: "c2hvcnQ" } },
    ];
    for (const bad of cases) await expect(sender.send(bad, payload)).resolves.toMatchObject({ kind: "failed", status: null });
    await expect(sender.send(subscription, payload, { topic: "no spaces allowed" })).resolves.toMatchObject({ kind: "failed" });
    expect(received(id)).toHaveLength(0);
  });

  it("rejects invalid VAPID configuration up front", async () => {
    expect(() => createWebPushSender({ ...vapid, subject: "ops@example.edu" })).toThrow(/VAPID_SUBJECT/);
    expect(() => createWebPushSender({ ...vapid, publicKey: "AAAA" })).toThrow(/VAPID_PUBLIC_KEY/);
    expect(() => createWebPushSender({ ...vapid, privateKey: vapid.publicKey })).toThrow(/VAPID_PRIVATE_KEY/);
  });

  it("allows https endpoints and http only on loopback hosts", () => {
    expect(isAllowedPushEndpoint("https://fcm.googleapis.com/fcm/send/abc")).toBe(true);
    expect(isAllowedPushEndpoint("http://127.0.0.1:8080/push/1")).toBe(true);
    expect(isAllowedPushEndpoint("http://localhost/push/1")).toBe(true);
    expect(isAllowedPushEndpoint("http://[::1]:9/push")).toBe(true);
    expect(isAllowedPushEndpoint("http://127.0.0.1.example.com/push")).toBe(false);
    expect(isAllowedPushEndpoint("http://push.example.com/x")).toBe(false);
    expect(isAllowedPushEndpoint("https://user:pw@push.example.com/x")).toBe(false);
    expect(isAllowedPushEndpoint("ftp://push.example.com/x")).toBe(false);
  });
});

describe("the push service stand-in checks what a real one checks", () => {
  async function post(endpoint: string, headers: Record<string, string>) {
    const res = await fetch(endpoint, { method: "POST", headers: { "content-encoding": "aes128gcm", ...headers }, body: new Uint8Array(100) });
    return res.status;
  }
  async function vapidHeader(claims: Record<string, unknown>, keys = vapid) {
    const point = Buffer.from(keys.publicKey, "base64url");
    const key = await importJWK({ kty: "EC", crv: "P-256", x: point.subarray(1, 33).toString("base64url"), y: point.subarray(33).toString("base64url"), d: keys.privateKey }, "ES256");
    const jwt = await new SignJWT(claims).setProtectedHeader({ alg: "ES256", typ: "JWT" }).sign(key);
    return `vapid t=${jwt}, k=${keys.publicKey}`;
  }
  const inHours = (h: number) => Math.floor(Date.now() / 1000) + h * 3600;

  it("refuses a missing TTL, a bad VAPID audience, expiry, subject or signature", async () => {
    const { id, subscription } = service.subscribe();
    const ok = { aud: service.url, exp: inHours(1), sub: "mailto:a@b.c" };
    expect(await post(subscription.endpoint, { authorization: await vapidHeader(ok) })).toBe(400); // no TTL
    expect(await post(subscription.endpoint, { ttl: "60", authorization: await vapidHeader({ ...ok, aud: "https://elsewhere.example" }) })).toBe(401);
    expect(await post(subscription.endpoint, { ttl: "60", authorization: await vapidHeader({ ...ok, exp: inHours(25) }) })).toBe(401);
    expect(await post(subscription.endpoint, { ttl: "60", authorization: await vapidHeader({ ...ok, exp: inHours(-1) }) })).toBe(401);
    expect(await post(subscription.endpoint, { ttl: "60", authorization: await vapidHeader({ ...ok, sub: "ops" }) })).toBe(401);
    const other = await generateVapidKeys();
    const forged = (await vapidHeader(ok, { ...other, subject: "" })).replace(/k=.*$/, `k=${vapid.publicKey}`);
    expect(await post(subscription.endpoint, { ttl: "60", authorization: forged })).toBe(401);
    expect(await post(subscription.endpoint, { ttl: "60" })).toBe(401);
    // The same request with a valid token gets through to the (failing) decryption.
    expect(await post(subscription.endpoint, { ttl: "60", authorization: await vapidHeader(ok) })).toBe(201);
    expect(received(id)).toHaveLength(1);
    expect(received(id)[0]?.decryptError).toBeTruthy();
  });
});
