import { and, avg, count, eq, gte, lt, sql } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { attachmentQueries, type AttachmentDb } from "./attachment-queries";
import { attachment, consultationRequest as t, messageActivity } from "./d1-schema";
import type { ConsultationRepository } from "./port";
import { limitedInsert, requesterLoadFields, toLoad } from "./limited-insert";
import { aggregateMetrics, metricsFields, metricsWhere } from "./metrics";
import { activitySet, firstResponseWhere, guardWhere, transitionSet } from "./query-parts";
import { readQueries, type SelectableDb } from "./read-queries";
import { ACTIVITY_RETENTION_MS, guarded, toStats } from "./repository-helpers";
import { newRowValues, toConsultation } from "./row-mapping";

// D1 statements (and batches) are atomic, so a failure behind `guarded` leaves nothing half-done.

/** The embedded ConsultationRepository: drizzle over the `DB` D1 binding. */
export function createD1Repository(d1: D1Database): ConsultationRepository {
  const db: DrizzleD1Database = drizzle(d1);

  return {
    ...readQueries(db as unknown as SelectableDb, t),
    ...attachmentQueries(db as unknown as AttachmentDb, attachment, t, (r) => (r as D1Result).meta.changes),
    create: (input) =>
      guarded(async () => {
        const [row] = await db.insert(t).values(newRowValues(input)).returning();
        return toConsultation(row!);
      }),

    createWithin: (input, limits) =>
      guarded(async () => {
        const values = newRowValues(input);
        const { meta } = await db.run(limitedInsert(t, values, limits));
        return meta.changes ? toConsultation({ ...values, requestIdx: Number(meta.last_row_id) }) : null;
      }),

    requesterLoad: (userCode, since) =>
      guarded(async () => toLoad(await db.select(requesterLoadFields(t, since)).from(t).where(eq(t.requesterUserCode, userCode)))),

    transition: (requestIdx, guard, changes) =>
      guarded(async () => {
        const [row] = await db
          .update(t)
          .set(transitionSet(t, changes))
          .where(guardWhere(t, requestIdx, guard))
          .returning();
        return row ? toConsultation(row) : null;
      }),

    recordActivity: (requestIdx, at, messageCount) =>
      guarded(async () => {
        // One atomic batch: log the message-count delta (for stats), then move the row forward.
        const delta = db
          .insert(messageActivity)
          .select(
            db
              .select({
                id: sql<number>`NULL`.as("id"),
                requestIdx: t.requestIdx,
                at: sql<number>`${at.getTime()}`.as("at"),
                messages: sql<number>`${messageCount} - ${t.messageCount}`.as("messages"),
              })
              .from(t)
              .where(and(eq(t.requestIdx, requestIdx), lt(t.messageCount, messageCount))),
          );
        await db.batch([
          delta,
          db.update(t).set(activitySet(t, at, messageCount)).where(eq(t.requestIdx, requestIdx)),
          db.delete(messageActivity).where(lt(messageActivity.at, new Date(at.getTime() - ACTIVITY_RETENTION_MS))),
        ]);
      }),

    stats: (now) =>
      guarded(async () => {
        const [byStatusRows, [duration], [messages]] = await db.batch([
          db.select({ status: t.status, n: count() }).from(t).groupBy(t.status),
          db.select({ mean: avg(t.durationMinutes) }).from(t).where(eq(t.status, "COMPLETED")),
          db
            .select({ n: sql<number | null>`SUM(${messageActivity.messages})` })
            .from(messageActivity)
            .where(gte(messageActivity.at, new Date(now.getTime() - 24 * 3600_000))),
        ]);
        return toStats(byStatusRows, duration?.mean, messages?.n);
      }),

    recordFirstResponse: (requestIdx, at) =>
      guarded(async () => {
        await db.update(t).set({ firstResponseAt: at }).where(firstResponseWhere(t, requestIdx));
      }),

    metrics: (query) =>
      guarded(async () => {
        const rows = await db.select(metricsFields(t)).from(t).where(metricsWhere(t, query.from, query.to));
        return aggregateMetrics(rows, query);
      }),
  };
}
