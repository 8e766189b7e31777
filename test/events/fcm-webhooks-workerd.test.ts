import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { createAccessTokenSource, createFcmSender, parseServiceAccount } from "../../src/events/consumers/fcm";
import { deliverWebhook, nextWebhookStep, parseWebhookSecret, signWebhook } from "../../src/events/consumers/webhooks";
import type { PushPayload } from "../../src/events/consumers/notification-text";
import { messageEvent } from "../../src/events/types";

/** The stand-ins run in Node (globalSetups of test/vitest.events.config.ts). */
const testEnv = env as unknown as {
  TEST_FCM: { url: string; account: Record<string, string> };
  TEST_WEBHOOK_RECEIVER: { url: string; control: string; secret: string };
};

const payload: PushPayload = { title: "상담이 시작되었습니다", body: "김교수님 · 진로 상담", url: "/consultations/3", requestIdx: 3, type: "consultation.started" };

describe("FCM inside workerd", () => {
  it("signs the RS256 assertion, gets one token for several sends and delivers", async () => {
    const { url, account: raw } = testEnv.TEST_FCM;
    const account = parseServiceAccount(JSON.stringify(raw));
    const sender = createFcmSender(account, { endpoint: url, tokens: createAccessTokenSource(account) });
    const outcomes = await Promise.all(["w-1", "w-2", "w-3"].map((t) => sender.send(t, payload)));
    expect(outcomes.map((o) => o.kind)).toEqual(["ok", "ok", "ok"]);
    const state = (await (await fetch(`${url}/_control/state`)).json()) as { tokenRequests: { ok: boolean }[]; delivered: { message: { token: string } }[] };
    expect(state.tokenRequests).toEqual([{ ok: true }]);
    expect(state.delivered.map((d) => d.message.token).sort()).toEqual(["w-1", "w-2", "w-3"]);
  });
});

describe("webhooks inside workerd", () => {
  it("a delivery the receiver refuses once is retried with the same id and verifies", async () => {
    const { url, control, secret } = testEnv.TEST_WEBHOOK_RECEIVER;
    const key = parseWebhookSecret(secret);
    const event = messageEvent({ id: "wk-1", seq: 4, requestIdx: 3, sender: "P1", senderName: "김교수", type: "NORMAL", content: "안녕하세요", sentAt: new Date().toISOString(), clientMsgId: null });
    const first = await deliverWebhook(url, event, key);
    expect(first).toMatchObject({ ok: false, status: 503 });
    expect(nextWebhookStep(first, 1)).toMatchObject({ action: "retry" });
    const second = await deliverWebhook(url, event, key);
    expect(second).toMatchObject({ ok: true, status: 204 });
    const seen = (await (await fetch(control)).json()) as { attempts: { webhookId: string; status: number; verified: boolean }[]; accepted: Record<string, unknown[]> };
    expect(seen.attempts.filter((a) => a.webhookId === event.id)).toEqual([
      { webhookId: event.id, status: 503, verified: true },
      { webhookId: event.id, status: 204, verified: true },
    ]);
    expect(seen.accepted[event.id]).toEqual([JSON.parse(JSON.stringify(event))]);
  });

  it("the signature is the one the standardwebhooks package computes", async () => {
    const { secret } = testEnv.TEST_WEBHOOK_RECEIVER;
    const body = JSON.stringify({ hello: "세계" });
    expect(await signWebhook(parseWebhookSecret(secret), "evt_1", 1_700_000_000, body)).toBe(new Webhook(secret).sign("evt_1", new Date(1_700_000_000_000), body));
  });
});
