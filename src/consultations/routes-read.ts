import { createRoute } from "@hono/zod-openapi";
import { requireUser } from "../auth/middleware";
import { ApiError } from "../domain/errors";
import type { ApiApp } from "../http/app-env";
import { bearerSecurity, errorResponses, json } from "../http/openapi";
import { ConsultationSchema, CreateBody, IdParams, ListQuery, PageSchema, QueueQuery, QueueSchema } from "./schemas";
import { requestLifecycle } from "./request-lifecycle";
import { createConsultation, getConsultation } from "./service";

const common = { middleware: requireUser, security: bearerSecurity, tags: ["consultations"] };

const create = createRoute({
  ...common,
  method: "post",
  path: "/api/consultations",
  summary: "Request a consultation (a named counselor, or a queue category); limited per requester (MAX_OPEN_REQUESTS, CREATES_PER_HOUR)",
  request: { body: { required: true, content: { "application/json": { schema: CreateBody } } } },
  responses: { 201: json(ConsultationSchema, "The new PENDING consultation"), ...errorResponses(400, 401, 413, 429) },
});

const list = createRoute({
  ...common,
  method: "get",
  path: "/api/consultations",
  summary: "The caller's consultations, newest first, cursor-paginated",
  request: { query: ListQuery },
  responses: { 200: json(PageSchema, "One page; pass nextCursor as cursor for the next"), ...errorResponses(400, 401, 403) },
});

const queue = createRoute({
  ...common,
  method: "get",
  path: "/api/consultations/queue",
  summary: "Counselors: unassigned PENDING items, oldest first",
  request: { query: QueueQuery },
  responses: { 200: json(QueueSchema, "The waiting queue items"), ...errorResponses(400, 401, 403) },
});

const getOne = createRoute({
  ...common,
  method: "get",
  path: "/api/consultations/{id}",
  summary: "One consultation (participants and admins)",
  request: { params: IdParams },
  responses: { 200: json(ConsultationSchema, "The consultation"), ...errorResponses(400, 401, 403, 404) },
});

export function registerConsultationReadRoutes(app: ApiApp): void {
  app.openapi(create, async (c) => {
    const { scheduledAt, ...body } = c.req.valid("json");
    const input = { ...body, scheduledAt: scheduledAt ? new Date(scheduledAt) : undefined };
    return c.json(await createConsultation(requestLifecycle(c), c.var.user, input), 201);
  });

  app.openapi(list, async (c) => {
    const q = c.req.valid("query");
    const user = c.var.user;
    const all = q.all === "true";
    if (all && !user.isAdmin) throw new ApiError("FORBIDDEN", "Only admins may list every consultation");
    const page = await c.var.services.repository.list({
      userCode: user.userCode,
      all,
      role: q.role,
      status: q.status,
      limit: q.limit,
      cursor: q.cursor,
    });
    return c.json(page, 200);
  });

  // Registered before /{id} so "queue" is never read as an id.
  app.openapi(queue, async (c) => {
    const user = c.var.user;
    if (!user.isCounselor && !user.isAdmin) throw new ApiError("FORBIDDEN", "Only counselors may see the queue");
    const { category, limit } = c.req.valid("query");
    return c.json({ items: await c.var.services.repository.queue({ category, limit }) }, 200);
  });

  app.openapi(getOne, async (c) => {
    return c.json(await getConsultation(c.var.services, c.req.valid("param").id, c.var.user), 200);
  });
}
