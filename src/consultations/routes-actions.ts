import { createRoute } from "@hono/zod-openapi";
import { requireUser } from "../auth/middleware";
import type { ApiApp } from "../http/app-env";
import { bearerSecurity, errorResponses, json } from "../http/openapi";
import type { ActionInput } from "../domain/rules";
import { ActionBodies, ConsultationSchema, EndBody, IdParams } from "./schemas";
import { requestLifecycle } from "./request-lifecycle";
import { endConsultation, performAction } from "./service";

const common = { middleware: requireUser, security: bearerSecurity, tags: ["lifecycle"] };
const ok = json(ConsultationSchema, "The updated consultation");

const SUMMARIES = {
  approve: "Approve a PENDING request (a queue item: take it); optional scheduledAt",
  reject: "Reject a PENDING request addressed to you; reason required",
  cancel: "Cancel your own request before it started; optional reason",
  start: "Start a PENDING or SCHEDULED consultation (a queue item: take it)",
  transfer: "Hand an open consultation to a colleague (toUserCode) or back to the queue",
} as const;

type BodyAction = keyof typeof ActionBodies;

/** One route per action with a body; the action name is the last path segment. */
function bodyActionRoute<A extends BodyAction>(action: A) {
  return createRoute({
    ...common,
    method: "post",
    path: `/api/consultations/{id}/${action}` as const,
    summary: SUMMARIES[action],
    request: {
      params: IdParams,
      // reject needs its reason; the other bodies are optional (an empty POST is fine).
      body: { required: action === "reject", content: { "application/json": { schema: ActionBodies[action] } } },
    },
    // 503: the store is down, or (cancel, transfer of a SCHEDULED row) the room's first-message start is not written yet.
    responses: { 200: ok, ...errorResponses(400, 401, 403, 404, 409, 413, 503) },
  });
}

const start = createRoute({
  ...common,
  method: "post",
  path: "/api/consultations/{id}/start",
  summary: SUMMARIES.start,
  request: { params: IdParams },
  responses: { 200: ok, ...errorResponses(400, 401, 403, 404, 409, 503) },
});

const end = createRoute({
  ...common,
  method: "post",
  path: "/api/consultations/{id}/end",
  summary: "End an open consultation (either participant or an admin); archives the chat",
  request: { params: IdParams },
  responses: { 200: ok, ...errorResponses(400, 401, 403, 404, 409, 503) },
});

const endByBody = createRoute({
  ...common,
  method: "post",
  path: "/api/consultations/end",
  summary: "The same end, with the id in the body (the original path)",
  request: { body: { required: true, content: { "application/json": { schema: EndBody } } } },
  responses: { 200: ok, ...errorResponses(400, 401, 403, 404, 409, 413, 503) },
});

/** Any action body (each is a subset of these fields) → the lifecycle's input. */
function toInput(body: { scheduledAt?: string | null; reason?: string; toUserCode?: string; toUserName?: string }): ActionInput {
  return {
    scheduledAt: body.scheduledAt == null ? body.scheduledAt : new Date(body.scheduledAt),
    reason: body.reason,
    toUserCode: body.toUserCode,
    toUserName: body.toUserName,
  };
}

export function registerConsultationActionRoutes(app: ApiApp): void {
  // Before /{id}/... so that "end" is never taken for an id.
  app.openapi(endByBody, async (c) =>
    c.json(await endConsultation(requestLifecycle(c), c.req.valid("json").requestIdx, c.var.user), 200),
  );
  app.openapi(end, async (c) => c.json(await endConsultation(requestLifecycle(c), c.req.valid("param").id, c.var.user), 200));
  app.openapi(start, async (c) =>
    c.json(await performAction(requestLifecycle(c), "start", c.req.valid("param").id, c.var.user, {}), 200),
  );
  for (const action of Object.keys(ActionBodies) as BodyAction[]) {
    app.openapi(bodyActionRoute(action), async (c) => {
      const input = toInput(c.req.valid("json"));
      return c.json(await performAction(requestLifecycle(c), action, c.req.valid("param").id, c.var.user, input), 200);
    });
  }
}
