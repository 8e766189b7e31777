import { Client } from "@planetscale/database";
import { and, avg, count, eq, gte, lt, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/planetscale-serverless";
import { attachmentQueries, type AttachmentDb } from "./attachment-queries";
import { attachment, consultationRequest as t, messageActivity } from "./mysql-schema";
import type { ConsultationRepository } from "./port";
import { limitedInsert, requesterLoadFields, toLoad } from "./limited-insert";
import { aggregateMetrics, metricsFields, metricsWhere } from "./metrics";
import { activitySet, firstResponseWhere, guardWhere, transitionSet } from "./query-parts";
import { readQueries, type SelectableDb } from "./read-queries";
import { ACTIVITY_RETENTION_MS, guarded, toStats } from "./repository-helpers";
import { retryingDeadlocks } from "./deadlock-retry";
import { newRowValues, toConsultation } from "./row-mapping";

/** The DATABASE_* group of the config (`Config["database"]`). */
export interface DatabaseConfig {
  host: string;
  username: string;
  password: string;
}

/**
 * The `@planetscale/database` client for DATABASE_HOST/USERNAME/PASSWORD. The host is a
 * bare host name (PlanetScale: `aws.connect.psdb.cloud`, always https) or a full
 * `http(s)://host:port` URL, which is how a local gateway (npm run dev:stack) is named.
 */
export function createPlanetscaleClient(database: DatabaseConfig): Client {
  if (!/^https?:\/\//i.test(database.host)) {
    return new Client({ host: database.host, username: database.username, password: database.password });
  }
  const url = new URL(database.host);
  url.username = database.username;
  url.password = database.password;
  return new Client({ url: url.toString() });
}

/**
 * The production ConsultationRepository: drizzle mysql-core over PlanetScale's HTTP API.
 * MySQL has no RETURNING, so a statement that must report the row it wrote runs in a
 * transaction with the read-back; a failure anywhere rolls it back (nothing half-written)
 * and surfaces as 503 UPSTREAM_UNAVAILABLE.
 */
export function createPlanetscaleRepository(database: DatabaseConfig): ConsultationRepository {
  const db = drizzle({ client: createPlanetscaleClient(database) });
  // A deadlock victim was rolled back whole, so it runs again before it counts as a failure.
  const guardedRetry = <T>(run: () => Promise<T>) => guarded(() => retryingDeadlocks(run));

  return {
    ...readQueries(db as unknown as SelectableDb, t),
    ...attachmentQueries(db as unknown as AttachmentDb, attachment, t, (r) => (r as { rowsAffected: number }).rowsAffected),
    // One INSERT; every column's value is known up front, so the row needs no read-back.
    create: (input) =>
      guardedRetry(async () => {
        const values = newRowValues(input);
        const [inserted] = await db.insert(t).values(values).$returningId();
        return toConsultation({ ...values, requestIdx: inserted!.requestIdx });
      }),

    createWithin: (input, limits) =>
      guardedRetry(async () => {
        const values = newRowValues(input);
        const { rowsAffected, insertId } = await db.execute(limitedInsert(t, values, limits));
        return rowsAffected ? toConsultation({ ...values, requestIdx: Number(insertId) }) : null;
      }),

    requesterLoad: (userCode, since) =>
      guardedRetry(async () => toLoad(await db.select(requesterLoadFields(t, since)).from(t).where(eq(t.requesterUserCode, userCode)))),

    // The guarded UPDATE decides the race (InnoDB re-checks the WHERE under the row lock),
    // and the read-back in the same transaction sees exactly this transition's row.
    transition: (requestIdx, guard, changes) =>
      guardedRetry(() =>
        db.transaction(async (tx) => {
          const { rowsAffected } = await tx.update(t).set(transitionSet(t, changes)).where(guardWhere(t, requestIdx, guard));
          // MySQL counts changed rows, not matched ones: a transition that rewrote identical
          // values (same millisecond) matched but "affected" nothing, so re-check the guard.
          const where = rowsAffected > 0 ? eq(t.requestIdx, requestIdx) : guardWhere(t, requestIdx, guard);
          const [row] = await tx.select().from(t).where(where).limit(1);
          return row ? toConsultation(row) : null;
        }),
      ),

    recordActivity: (requestIdx, at, messageCount) =>
      guardedRetry(async () => {
        // Log the message-count delta (for stats) and move the row forward, atomically;
        // a retry after a failure logs nothing twice (the delta is then zero).
        await db.transaction(async (tx) => {
          await tx.insert(messageActivity).select(
            tx
              .select({
                id: sql<number>`NULL`.as("id"),
                requestIdx: t.requestIdx,
                at: sql<Date>`${sql.param(at, messageActivity.at)}`.as("at"),
                messages: sql<number>`${messageCount} - ${t.messageCount}`.as("messages"),
              })
              .from(t)
              .where(and(eq(t.requestIdx, requestIdx), lt(t.messageCount, messageCount))),
          );
          await tx.update(t).set(activitySet(t, at, messageCount)).where(eq(t.requestIdx, requestIdx));
        });
        // Housekeeping outside the transaction, so its range lock is held only briefly.
        await db.delete(messageActivity).where(lt(messageActivity.at, new Date(at.getTime() - ACTIVITY_RETENTION_MS)));
      }),

    stats: (now) =>
      guardedRetry(async () => {
        const [byStatusRows, [duration], [messages]] = await Promise.all([
          db.select({ status: t.status, n: count() }).from(t).groupBy(t.status),
          db.select({ mean: avg(t.durationMinutes) }).from(t).where(eq(t.status, "COMPLETED")),
          db
            .select({ n: sql<string | null>`SUM(${messageActivity.messages})` })
            .from(messageActivity)
            .where(gte(messageActivity.at, new Date(now.getTime() - 24 * 3600_000))),
        ]);
        return toStats(byStatusRows, duration?.mean, messages?.n);
      }),

    recordFirstResponse: (requestIdx, at) =>
      guardedRetry(async () => {
        await db.update(t).set({ firstResponseAt: at }).where(firstResponseWhere(t, requestIdx));
      }),

    metrics: (query) =>
      guardedRetry(async () => {
        const rows = await db.select(metricsFields(t)).from(t).where(metricsWhere(t, query.from, query.to));
        return aggregateMetrics(rows, query);
      }),
  };
}
