/**
 * SPEC section 10's routes: the VAPID key, Web Push subscriptions, FCM tokens and the
 * admins' webhook log, with every refusal (missing, malformed, oversized, unauthorized,
 * not configured).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createNotifyClient } from "../../src/push/push-client";
import { apiJson, testEnv } from "../support/api";
import { someone } from "../support/inbox";

const serviceUrl = (env as unknown as { TEST_PUSH_SERVICE: string }).TEST_PUSH_SERVICE;

async function browserSubscription(): Promise<{ id: string; subscription: { endpoint: string; keys: { p256dh: string; auth: string } } }> {
  const res = await fetch(`${serviceUrl}/_control/subscribe`, { method: "POST", body: JSON.stringify({ applicationServerKey: testEnv.VAPID_PUBLIC_KEY }) });
  return res.json();
}

const devices = (userCode: string) => testEnv.PUSH.getByName(userCode).targetCount();
const withoutPush = { ...testEnv, VAPID_PUBLIC_KEY: "", VAPID_PRIVATE_KEY: "", VAPID_SUBJECT: "", FCM_SERVICE_ACCOUNT: "", FCM_ENDPOINT: "" } as Env;

describe("GET /api/push/vapid-public-key", () => {
  it("gives the configured key without auth", async () => {
    expect(await apiJson("/api/push/vapid-public-key")).toEqual({ status: 200, body: { publicKey: testEnv.VAPID_PUBLIC_KEY } });
  });
  it("404 when Web Push is not configured", async () => {
    expect(await apiJson("/api/push/vapid-public-key", { env: withoutPush })).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
  });
});

describe("POST/DELETE /api/push/subscriptions", () => {
  it("stores several subscriptions per user, once each, and removes them", async () => {
    const u = someone("student");
    const [a, b] = [await browserSubscription(), await browserSubscription()];
    expect(await apiJson("/api/push/subscriptions", { token: u, body: a.subscription })).toEqual({ status: 201, body: { ok: true } });
    // The same browser again (keys rotated or not): still one device.
    expect((await apiJson("/api/push/subscriptions", { token: u, body: { ...a.subscription, expirationTime: null } })).status).toBe(201);
    expect((await apiJson("/api/push/subscriptions", { token: u, body: b.subscription })).status).toBe(201);
    expect(await devices(u.sub)).toBe(2);
    expect(await apiJson("/api/push/subscriptions", { token: u, method: "DELETE", body: { endpoint: a.subscription.endpoint } })).toEqual({ status: 200, body: { ok: true } });
    // Idempotent.
    expect((await apiJson("/api/push/subscriptions", { token: u, method: "DELETE", body: { endpoint: a.subscription.endpoint } })).status).toBe(200);
    expect(await devices(u.sub)).toBe(1);
  });

  it("accepts loopback http: endpoints only; other endpoints must be https:", async () => {
    const u = someone("student");
    const { subscription } = await browserSubscription();
    const https = { ...subscription, endpoint: "https://fcm.googleapis.com/fcm/send/abc" };
    expect((await apiJson("/api/push/subscriptions", { token: u, body: https })).status).toBe(201);
    for (const endpoint of ["http://push.example.com/x", "ftp://127.0.0.1/x", "not a url", "https://user:pw@push.example.com/x"]) {
      const res = await apiJson("/api/push/subscriptions", { token: u, body: { ...subscription, endpoint } });
      expect(res.status, endpoint).toBe(400);
      expect(res.body.code).toBe("VALIDATION");
      expect(res.body.details.length).toBeGreaterThan(0);
    }
  });

  it("refuses missing, malformed and oversized bodies, bad keys, and no token", async () => {
    const u = someone("student");
    const { subscription } = await browserSubscription();
    const refusals: [unknown, number, string][] = [
      [undefined, 400, "VALIDATION"],
      ["{not json", 400, "VALIDATION"],
      [{ endpoint: subscription.endpoint }, 400, "VALIDATION"],
      [{ ...subscription, keys: { p256dh: "AAAA", auth: subscription.keys.auth } }, 400, "VALIDATION"],
      [{ ...subscription, keys: { p256dh: subscription.keys.p256dh, auth: "c2hvcnQ" } }, 400, "VALIDATION"],
      [{ ...subscription, endpoint: `${subscription.endpoint}${"x".repeat(3000)}` }, 400, "VALIDATION"],
      [JSON.stringify({ ...subscription, pad: "x".repeat(70 * 1024) }), 413, "TOO_LARGE"],
    ];
    for (const [body, status, code] of refusals) {
      const res = await apiJson("/api/push/subscriptions", { token: u, method: "POST", body, headers: { "Content-Type": "application/json" } });
      expect([res.status, res.body.code], JSON.stringify(body)?.slice(0, 80)).toEqual([status, code]);
    }
    expect((await apiJson("/api/push/subscriptions", { body: subscription })).status).toBe(401);
    expect((await apiJson("/api/push/subscriptions", { method: "DELETE", body: { endpoint: subscription.endpoint } })).status).toBe(401);
    expect((await apiJson("/api/push/subscriptions", { token: u, method: "DELETE", body: {} })).status).toBe(400);
    expect(await devices(u.sub)).toBe(0);
  });

  it("404 when Web Push is not configured", async () => {
    const { subscription } = await browserSubscription();
    expect(await apiJson("/api/push/subscriptions", { token: someone("student"), body: subscription, env: withoutPush })).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
  });

  it("a user with a device joins the push directory (a counselor also its queue list), and leaves it with the last device", async () => {
    const notify = createNotifyClient(testEnv);
    const agent = someone("agent");
    const student = someone("student");
    const [first, second, theirs] = [await browserSubscription(), await browserSubscription(), await browserSubscription()];
    await apiJson("/api/push/subscriptions", { token: agent, body: first.subscription });
    await apiJson("/api/push/subscriptions", { token: agent, body: second.subscription });
    await apiJson("/api/push/subscriptions", { token: student, body: theirs.subscription });
    expect(await notify.directory.reachableOf([agent.sub, student.sub, "NOBODY"])).toEqual(new Set([agent.sub, student.sub]));
    expect(await notify.directory.counselors()).toContain(agent.sub);
    expect(await notify.directory.counselors()).not.toContain(student.sub);
    await apiJson("/api/push/subscriptions", { token: agent, method: "DELETE", body: { endpoint: first.subscription.endpoint } });
    expect(await notify.directory.counselors()).toContain(agent.sub);
    await apiJson("/api/push/subscriptions", { token: agent, method: "DELETE", body: { endpoint: second.subscription.endpoint } });
    expect(await notify.directory.counselors()).not.toContain(agent.sub);
    expect(await notify.directory.reachableOf([agent.sub, student.sub])).toEqual(new Set([student.sub]));
  });
});

describe("POST/DELETE /api/push/fcm-tokens", () => {
  const token = () => `dev-${crypto.randomUUID()}:APA91b${"x".repeat(40)}`;
  it("stores and removes a token", async () => {
    const u = someone("student");
    const t = token();
    expect(await apiJson("/api/push/fcm-tokens", { token: u, body: { token: t } })).toEqual({ status: 201, body: { ok: true } });
    expect(await devices(u.sub)).toBe(1);
    expect((await apiJson("/api/push/fcm-tokens", { token: u, method: "DELETE", body: { token: t } })).status).toBe(200);
    expect(await devices(u.sub)).toBe(0);
  });
  it("refuses bad tokens, no auth, and a server without FCM", async () => {
    const u = someone("student");
    for (const body of [{}, { token: "short" }, { token: "has spaces in it which tokens never have" }, { token: 42 }]) {
      expect((await apiJson("/api/push/fcm-tokens", { token: u, body })).status, JSON.stringify(body)).toBe(400);
    }
    expect((await apiJson("/api/push/fcm-tokens", { body: { token: token() } })).status).toBe(401);
    expect(await apiJson("/api/push/fcm-tokens", { token: u, body: { token: token() }, env: withoutPush })).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
  });
});

describe("GET /api/admin/webhooks", () => {
  it("admins only", async () => {
    expect((await apiJson("/api/admin/webhooks")).status).toBe(401);
    expect(await apiJson("/api/admin/webhooks", { token: someone("professor") })).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });
    const ok = await apiJson("/api/admin/webhooks", { token: someone("admin") });
    expect(ok.status).toBe(200);
    expect(Array.isArray(ok.body.deliveries)).toBe(true);
    for (const limit of ["0", "501", "x"]) expect((await apiJson(`/api/admin/webhooks?limit=${limit}`, { token: someone("admin") })).status).toBe(400);
  });
});

describe("configuration", () => {
  const cases: [string, Partial<Record<string, string>>, string][] = [
    ["a VAPID key without its private key and subject", { VAPID_PRIVATE_KEY: "", VAPID_SUBJECT: "" }, "VAPID_PRIVATE_KEY"],
    ["a VAPID subject that is no mailto:/https:", { VAPID_SUBJECT: "ops@example.edu" }, "VAPID_SUBJECT"],
    ["webhook URLs without a secret", { WEBHOOK_SECRET: "" }, "WEBHOOK_SECRET"],
    ["a webhook secret not in whsec_ form", { WEBHOOK_SECRET: "plain" }, "WEBHOOK_SECRET"],
    ["an FCM endpoint without a service account", { FCM_SERVICE_ACCOUNT: "" }, "FCM_SERVICE_ACCOUNT"],
    ["a PUSH_BATCH_SECONDS that is no positive number", { PUSH_BATCH_SECONDS: "0" }, "PUSH_BATCH_SECONDS"],
  ];
  for (const [what, overrides, name] of cases) {
    it(`${what}: a startup error naming ${name}`, async () => {
      const logged: string[] = [];
      const original = console.error;
      console.error = (...args: unknown[]) => logged.push(args.map(String).join(" "));
      try {
        const res = await apiJson("/health", { env: { ...testEnv, ...overrides } as Env });
        expect(res.status).toBe(500);
      } finally {
        console.error = original;
      }
      expect(logged.join("\n")).toContain(name);
    });
  }
});

describe("/openapi.json", () => {
  it("documents every notification route", async () => {
    const { body } = await apiJson("/openapi.json");
    expect(Object.keys(body.paths["/api/push/vapid-public-key"])).toEqual(["get"]);
    expect(Object.keys(body.paths["/api/push/subscriptions"]).sort()).toEqual(["delete", "post"]);
    expect(Object.keys(body.paths["/api/push/fcm-tokens"]).sort()).toEqual(["delete", "post"]);
    expect(Object.keys(body.paths["/api/admin/webhooks"])).toEqual(["get"]);
  });
});
