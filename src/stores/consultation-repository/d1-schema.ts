import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { ConsultationStatus } from "../../domain/types";

/**
 * D1 (SQLite) tables. Timestamps are epoch milliseconds (`timestamp_ms`), read as Date, so
 * rows have the same JS shape as the MySQL schema's and share row-mapping.ts.
 * Migrations: migrations/d1 (kept in step with this file by hand; see drizzle.config.ts).
 */
const ms = (name: string) => integer(name, { mode: "timestamp_ms" });

export const consultationRequest = sqliteTable(
  "consultation_request",
  {
    requestIdx: integer("request_idx").primaryKey({ autoIncrement: true }),
    status: text("status").$type<ConsultationStatus>().notNull(),
    requesterUserCode: text("requester_user_code").notNull(),
    requesterName: text("requester_name").notNull(),
    recipientUserCode: text("recipient_user_code"),
    recipientName: text("recipient_name"),
    category: text("category"),
    title: text("title").notNull(),
    content: text("content"),
    scheduledAt: ms("scheduled_at"),
    rejectionReason: text("rejection_reason"),
    cancelReason: text("cancel_reason"),
    createdAt: ms("created_at").notNull(),
    updatedAt: ms("updated_at").notNull(),
    startedAt: ms("started_at"),
    endedAt: ms("ended_at"),
    durationMinutes: integer("duration_minutes"),
    lastActivityAt: ms("last_activity_at"),
    messageCount: integer("message_count").notNull().default(0),
    chatLogKey: text("chat_log_key"),
    endedBy: text("ended_by"),
    /** Latest of last activity, last state change and scheduledAt; NULL unless open. */
    idleSince: ms("idle_since"),
    /** The recipient's first NORMAL/FILE message after the start (recorded by the room; metrics only). */
    firstResponseAt: ms("first_response_at"),
  },
  (t) => [
    index("idx_consultation_requester").on(t.requesterUserCode, t.createdAt, t.requestIdx),
    index("idx_consultation_recipient").on(t.recipientUserCode, t.createdAt, t.requestIdx),
    index("idx_consultation_created").on(t.createdAt, t.requestIdx),
    index("idx_consultation_queue").on(t.status, t.recipientUserCode, t.category, t.createdAt),
    index("idx_consultation_idle").on(t.idleSince),
    // Bounds the metrics scan: every row with an event in a window was updated since its start.
    index("idx_consultation_updated").on(t.updatedAt),
  ],
);

/** Message counts per activity report, for "messages in the last 24 h" (admin stats). */
export const messageActivity = sqliteTable(
  "message_activity",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    requestIdx: integer("request_idx").notNull(),
    at: ms("at").notNull(),
    messages: integer("messages").notNull(),
  },
  (t) => [index("idx_message_activity_at").on(t.at)],
);

/**
 * Upload grants and the files behind FILE messages (SPEC section 11). `unsentSince` is
 * createdAt until a message claims the file, then NULL: the stale-grant cleanup reads
 * only unsent rows through its index. `uploader, createdAt` serves the grants-a-minute
 * count of one user.
 */
export const attachment = sqliteTable(
  "attachment",
  {
    id: text("id").primaryKey(),
    requestIdx: integer("request_idx").notNull(),
    uploader: text("uploader").notNull(),
    name: text("name").notNull(),
    size: integer("size").notNull(),
    contentType: text("content_type").notNull(),
    createdAt: ms("created_at").notNull(),
    /** The clientMsgId of the FILE message that claimed it; NULL while unsent. */
    sentClientMsgId: text("sent_client_msg_id"),
    unsentSince: ms("unsent_since"),
  },
  (t) => [
    index("idx_attachment_uploader").on(t.uploader, t.createdAt),
    index("idx_attachment_unsent").on(t.unsentSince),
  ],
);
