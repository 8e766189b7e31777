import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  TOKEN_REFRESH_MARGIN_SECONDS,
  createAccessTokenSource,
  createFcmSender,
  parseServiceAccount,
  type ServiceAccount,
} from "../../../src/events/consumers/fcm";
import type { PushPayload } from "../../../src/events/consumers/notification-text";
import { startFcmService, type FcmService } from "../../services/fcm-service";
import { startRawHttpService } from "../../services/raw-http";

const payload: PushPayload = { title: "새 상담 신청", body: "홍길동님: 진로 상담", url: "/consultations/9", requestIdx: 9, type: "consultation.created" };

/** One clock for the sender and the stand-in, so a test can step past a token's expiry. */
let clock = Date.now();
const now = () => clock;

let fcm: FcmService;
let account: ServiceAccount;

beforeAll(async () => {
  fcm = await startFcmService({ now });
  account = parseServiceAccount(JSON.stringify(fcm.account));
});
afterAll(() => fcm.close());

function sender() {
  const tokens = createAccessTokenSource(account, { now });
  return { tokens, fcm: createFcmSender(account, { endpoint: fcm.url, tokens, now }) };
}

const okTokenRequests = () => fcm.tokenRequests.filter((r) => r.ok).length;

describe("FCM HTTP v1 sender against the local FCM and token endpoint", () => {
  it("mints one access token for many sends, concurrent or not, and delivers a v1 message", async () => {
    const before = okTokenRequests();
    const { fcm: s } = sender();
    const concurrent = await Promise.all(Array.from({ length: 5 }, (_, i) => s.send(`device-a${i}`, payload)));
    for (let i = 0; i < 5; i++) concurrent.push(await s.send(`device-b${i}`, payload, { urgency: "normal", ttlSeconds: 600, collapseKey: "room-9" }));
    expect(concurrent.every((o) => o.kind === "ok")).toBe(true);
    expect(okTokenRequests() - before).toBe(1);
    const first = fcm.delivered.find((d) => d.message.token === "device-a0")!;
    expect(first.message.notification).toEqual({ title: payload.title, body: payload.body });
    expect(first.message.data).toEqual({ title: payload.title, body: payload.body, url: "/consultations/9", requestIdx: "9", type: "consultation.created" });
    expect(first.message.android).toEqual({ ttl: "86400s", priority: "HIGH" });
    const last = fcm.delivered.find((d) => d.message.token === "device-b4")!;
    expect(last.message.android).toEqual({ ttl: "600s", priority: "NORMAL", collapse_key: "room-9" });
    expect(last.message.apns?.headers).toMatchObject({ "apns-priority": "5", "apns-collapse-id": "room-9" });
    expect(last.accessToken).toBe(first.accessToken);
  });

  it("keeps the token until shortly before it expires, then mints a new one", async () => {
    fcm.setExpiresIn(3599);
    const before = okTokenRequests();
    const { fcm: s } = sender();
    await s.send("device-c", payload);
    clock += (3599 - TOKEN_REFRESH_MARGIN_SECONDS - 5) * 1000;
    await s.send("device-c", payload);
    expect(okTokenRequests() - before).toBe(1);
    clock += 10_000; // now inside the refresh margin
    await expect(s.send("device-c", payload)).resolves.toMatchObject({ kind: "ok" });
    expect(okTokenRequests() - before).toBe(2);
    const tokensUsed = new Set(fcm.delivered.filter((d) => d.message.token === "device-c").map((d) => d.accessToken));
    expect(tokensUsed.size).toBe(2);
  });

  it("an access token FCM no longer accepts is replaced once and the send goes through", async () => {
    const { fcm: s } = sender();
    await s.send("device-d", payload);
    const before = okTokenRequests();
    fcm.revokeAccessTokens();
    await expect(s.send("device-d", payload)).resolves.toMatchObject({ kind: "ok" });
    expect(okTokenRequests() - before).toBe(1);
    expect(fcm.delivered.filter((d) => d.message.token === "device-d")).toHaveLength(2);
  });

  it("UNREGISTERED means gone (prune the token)", async () => {
    fcm.unregister("device-uninstalled");
    await expect(sender().fcm.send("device-uninstalled", payload)).resolves.toMatchObject({ kind: "gone", status: 404, reason: expect.stringContaining("UNREGISTERED") });
  });

  it("429 and 5xx are retried with Retry-After; INVALID_ARGUMENT and SENDER_ID_MISMATCH are not, and keep the token", async () => {
    const { fcm: s } = sender();
    fcm.failWith("device-busy", 429, { "retry-after": "30" });
    await expect(s.send("device-busy", payload)).resolves.toMatchObject({ kind: "retry", status: 429, retryAfterSeconds: 30 });
    fcm.failWith("device-busy", 503);
    await expect(s.send("device-busy", payload)).resolves.toMatchObject({ kind: "retry", status: 503 });
    fcm.failWith("device-busy", 500);
    await expect(s.send("device-busy", payload)).resolves.toMatchObject({ kind: "retry", status: 500 });
    fcm.failWith("device-busy", 400);
    await expect(s.send("device-busy", payload)).resolves.toMatchObject({ kind: "failed", status: 400 });
    fcm.failWith("device-busy", 403);
    await expect(s.send("device-busy", payload)).resolves.toMatchObject({ kind: "failed", status: 403, reason: expect.stringContaining("SENDER_ID_MISMATCH") });
    fcm.failWith("device-busy", null);
    await expect(s.send("device-busy", payload)).resolves.toMatchObject({ kind: "ok" });
  });

  it("an assertion signed with another key gets no token, and nothing is sent", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const forged = { ...account, private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
    const refusedBefore = fcm.tokenRequests.length - okTokenRequests();
    const deliveredBefore = fcm.delivered.length;
    const outcome = await createFcmSender(forged, { endpoint: fcm.url, tokens: createAccessTokenSource(forged, { now }), now }).send("device-e", payload);
    expect(outcome).toMatchObject({ kind: "failed", status: 400, reason: expect.stringContaining("invalid_grant") });
    expect(fcm.tokenRequests.length - okTokenRequests() - refusedBefore).toBe(1);
    expect(fcm.tokenRequests.at(-1)?.reason).toMatch(/signature/);
    expect(fcm.delivered.length).toBe(deliveredBefore);
  });

  it("a token endpoint or FCM that cannot be reached is a retry", async () => {
    const down = await startRawHttpService(() => ({ status: 200 }));
    await down.close();
    const unreachableToken = { ...account, token_uri: `${down.url}/token` };
    await expect(createFcmSender(unreachableToken, { endpoint: fcm.url, tokens: createAccessTokenSource(unreachableToken), now }).send("device-f", payload))
      .resolves.toMatchObject({ kind: "retry", status: null });
    await expect(createFcmSender(account, { endpoint: down.url, tokens: createAccessTokenSource(account, { now }), now }).send("device-f", payload))
      .resolves.toMatchObject({ kind: "retry", status: null });
    const broken = await startRawHttpService(() => ({ status: 503, body: "backend error" }));
    try {
      const viaBroken = { ...account, token_uri: `${broken.url}/token` };
      await expect(createFcmSender(viaBroken, { endpoint: fcm.url, tokens: createAccessTokenSource(viaBroken), now }).send("device-f", payload))
        .resolves.toMatchObject({ kind: "retry", status: 503 });
    } finally {
      await broken.close();
    }
  });

  it("a token is not taken for a message to another project", async () => {
    const other = { ...account, project_id: "someone-else" };
    await expect(createFcmSender(other, { endpoint: fcm.url, tokens: createAccessTokenSource(other, { now }), now }).send("device-g", payload))
      .resolves.toMatchObject({ kind: "failed", status: 403 });
  });
});

describe("FCM_SERVICE_ACCOUNT parsing", () => {
  it("names what is missing and refuses what is not JSON", () => {
    expect(() => parseServiceAccount("{not json")).toThrow(/not JSON/);
    expect(() => parseServiceAccount("[]")).toThrow(/lacks/);
    expect(() => parseServiceAccount(JSON.stringify({ client_email: "a@b" }))).toThrow(/private_key, token_uri, project_id/);
    expect(() => parseServiceAccount(JSON.stringify({ ...fcm.account, token_uri: "file:///etc/passwd" }))).toThrow(/token_uri/);
    expect(parseServiceAccount(JSON.stringify(fcm.account))).toMatchObject({ project_id: "consultation-test", private_key_id: fcm.account.private_key_id });
  });

  it("a private key that is not PKCS#8 PEM is a failed send, not a crash", async () => {
    const bad = { ...account, private_key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" };
    await expect(createFcmSender(bad, { endpoint: fcm.url, tokens: createAccessTokenSource(bad, { now }), now }).send("device-h", payload))
      .resolves.toMatchObject({ kind: "failed", reason: expect.stringContaining("private_key") });
  });
});
