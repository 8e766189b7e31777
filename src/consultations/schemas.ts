import { z } from "@hono/zod-openapi";
import { pathId } from "../http/path-id";
import { STATUSES } from "../domain/types";

/** Request and response shapes of the consultation routes (also the OpenAPI document). */

const isoDate = z.iso.datetime({ offset: true });
const nullableIso = isoDate.nullable();
const userCode = z.string().trim().min(1).max(64);

export const StatusSchema = z.enum(STATUSES).openapi("ConsultationStatus");

export const ConsultationSchema = z
  .object({
    requestIdx: z.number().int(),
    status: StatusSchema,
    requesterUserCode: z.string(),
    requesterName: z.string(),
    recipientUserCode: z.string().nullable(),
    recipientName: z.string().nullable(),
    category: z.string().nullable(),
    title: z.string(),
    content: z.string().nullable(),
    scheduledAt: nullableIso,
    rejectionReason: z.string().nullable(),
    cancelReason: z.string().nullable(),
    createdAt: isoDate,
    updatedAt: isoDate,
    startedAt: nullableIso,
    endedAt: nullableIso,
    durationMinutes: z.number().int().nullable(),
    lastActivityAt: nullableIso,
    messageCount: z.number().int(),
    chatLogKey: z.string().nullable(),
    endedBy: z.string().nullable(),
  })
  .openapi("Consultation");

export const IdParams = z.object({ id: pathId("id") });

export const CreateBody = z
  .object({
    recipientUserCode: userCode.optional().openapi({ description: "A named counselor (scheduled consultation)" }),
    recipientName: z.string().trim().min(1).max(100).optional().openapi({ description: "Their display name, if known" }),
    category: z.string().trim().min(1).max(64).optional().openapi({ description: "A support-queue category (instead of a recipient)" }),
    title: z.string().trim().min(1).max(200),
    content: z.string().trim().max(10_000).optional(),
    scheduledAt: isoDate.optional(),
  })
  .openapi("CreateConsultation");

export const ListQuery = z.object({
  status: StatusSchema.optional(),
  role: z.enum(["requester", "recipient"]).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
  all: z.enum(["true", "false"]).optional().openapi({ description: "Admins: every consultation" }),
});

export const QueueQuery = z.object({
  category: z.string().trim().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const PageSchema = z
  .object({ items: z.array(ConsultationSchema), nextCursor: z.string().nullable() })
  .openapi("ConsultationPage");

export const QueueSchema = z.object({ items: z.array(ConsultationSchema) }).openapi("ConsultationQueue");

const reason = z.string().trim().min(1).max(1000);

/** Bodies of the lifecycle actions (SPEC section 2); start and end take none. */
export const ActionBodies = {
  approve: z.object({ scheduledAt: nullableIso.optional() }).openapi("ApproveConsultation"),
  reject: z.object({ reason }).openapi("RejectConsultation"),
  cancel: z.object({ reason: reason.optional() }).openapi("CancelConsultation"),
  transfer: z
    .object({
      toUserCode: userCode.optional().openapi({ description: "A colleague; absent = back to the queue" }),
      toUserName: z.string().trim().min(1).max(100).optional(),
    })
    .openapi("TransferConsultation"),
} as const;

export const EndBody = z
  .object({ requestIdx: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) })
  .openapi("EndConsultation");

export const StatsSchema = z
  .object({
    byStatus: z.record(StatusSchema, z.number().int()),
    meanDurationMinutes: z.number().nullable(),
    messagesLast24h: z.number().int(),
  })
  .openapi("Stats");
