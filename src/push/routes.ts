import { createRoute, z } from "@hono/zod-openapi";
import { requireUser } from "../auth/middleware";
import { ApiError, upstreamError } from "../domain/errors";
import type { User } from "../domain/types";
import { subscriptionProblem } from "../events/consumers/web-push";
import type { ApiApp } from "../http/app-env";
import { bearerSecurity, errorResponses, json } from "../http/openapi";
import type { NotifyClient } from "./push-client";
import type { PushTarget } from "./push-targets";

const common = { tags: ["push"] };
const authed = { ...common, middleware: requireUser, security: bearerSecurity };

/** A browser's `PushSubscription.toJSON()` (extra fields such as `expirationTime` are ignored). */
const SubscriptionSchema = z
  .object({
    endpoint: z.string().min(1).max(2048),
    keys: z.object({ p256dh: z.string().min(1).max(200), auth: z.string().min(1).max(100) }),
  })
  .openapi("PushSubscription");
const EndpointSchema = z.object({ endpoint: z.string().min(1).max(2048) }).openapi("PushSubscriptionRef");
/** FCM registration tokens are ~160 characters of [A-Za-z0-9_:-]. */
const TokenSchema = z.object({ token: z.string().regex(/^[A-Za-z0-9_:\-.]{20,4096}$/, "an FCM registration token") }).openapi("FcmToken");
const Done = z.object({ ok: z.literal(true) }).openapi("PushOk");

const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: true } });

const vapidKey = createRoute({
  ...common,
  method: "get",
  path: "/api/push/vapid-public-key",
  summary: "The VAPID public key to subscribe with (base64url uncompressed P-256 point); public, no auth",
  responses: { 200: json(z.object({ publicKey: z.string() }).openapi("VapidPublicKey"), "The key"), ...errorResponses(404) },
});

const subscribe = createRoute({
  ...authed,
  method: "post",
  path: "/api/push/subscriptions",
  summary: "Registers this browser's Web Push subscription for the caller (several per user; https: endpoints, loopback http: for local testing)",
  request: body(SubscriptionSchema),
  responses: { 201: json(Done, "Stored (again: the keys are updated)"), ...errorResponses(400, 401, 404, 503) },
});

const unsubscribe = createRoute({
  ...authed,
  method: "delete",
  path: "/api/push/subscriptions",
  summary: "Removes one of the caller's Web Push subscriptions (idempotent)",
  request: body(EndpointSchema),
  responses: { 200: json(Done, "Removed (or was not there)"), ...errorResponses(400, 401, 503) },
});

const addToken = createRoute({
  ...authed,
  method: "post",
  path: "/api/push/fcm-tokens",
  summary: "Registers a native app's FCM registration token for the caller (when FCM_SERVICE_ACCOUNT is set)",
  request: body(TokenSchema),
  responses: { 201: json(Done, "Stored"), ...errorResponses(400, 401, 404, 503) },
});

const removeToken = createRoute({
  ...authed,
  method: "delete",
  path: "/api/push/fcm-tokens",
  summary: "Removes one of the caller's FCM tokens (idempotent)",
  request: body(TokenSchema),
  responses: { 200: json(Done, "Removed (or was not there)"), ...errorResponses(400, 401, 503) },
});

export function registerPushRoutes(app: ApiApp): void {
  app.openapi(vapidKey, (c) => {
    const vapid = c.var.services.config.push.vapid;
    if (!vapid) throw new ApiError("NOT_FOUND", "Web Push is not configured on this server");
    return c.json({ publicKey: vapid.publicKey }, 200);
  });

  app.openapi(subscribe, async (c) => {
    if (!c.var.services.config.push.vapid) throw new ApiError("NOT_FOUND", "Web Push is not configured on this server");
    const { endpoint, keys } = c.req.valid("json");
    const subscription = { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } };
    const problem = subscriptionProblem(subscription);
    if (problem) throw new ApiError("VALIDATION", `Invalid subscription: ${problem}`, [{ path: problem.split(" ")[0]!, message: problem }]);
    await added(c.var.services.notify, c.var.user, (push) => push.addSubscription(subscription));
    return c.json({ ok: true as const }, 201);
  });

  app.openapi(unsubscribe, async (c) => {
    await removed(c.var.services.notify, c.var.user, "webpush", c.req.valid("json").endpoint);
    return c.json({ ok: true as const }, 200);
  });

  app.openapi(addToken, async (c) => {
    if (!c.var.services.config.push.fcm) throw new ApiError("NOT_FOUND", "FCM is not configured on this server");
    const { token } = c.req.valid("json");
    await added(c.var.services.notify, c.var.user, (push) => push.addFcmToken(token));
    return c.json({ ok: true as const }, 201);
  });

  app.openapi(removeToken, async (c) => {
    await removed(c.var.services.notify, c.var.user, "fcm", c.req.valid("json").token);
    return c.json({ ok: true as const }, 200);
  });
}

type PushStub = ReturnType<NotifyClient["push"]>;

/** Stores a device, then lists the user in the push directory (so a failure between the two leaves nobody listed without a device). */
async function added(notify: NotifyClient, user: User, add: (push: PushStub) => Promise<void>): Promise<void> {
  try {
    await add(notify.push(user.userCode));
    await notify.directory.add(user.userCode, user.isCounselor);
  } catch (e) {
    throw upstreamError("The push store", e);
  }
}

async function removed(notify: NotifyClient, user: User, kind: PushTarget["kind"], address: string): Promise<void> {
  try {
    const left = await notify.push(user.userCode).removeTarget(kind, address);
    if (left === 0) await notify.directory.forget(user.userCode);
  } catch (e) {
    throw upstreamError("The push store", e);
  }
}
