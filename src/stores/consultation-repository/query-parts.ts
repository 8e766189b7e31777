import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, or, sql, type AnyColumn, type SQL } from "drizzle-orm";
import type { ListCursor } from "./cursor";
import type { ListQuery, TransitionChanges, TransitionGuard } from "./port";
import type { ConsultationRow } from "./row-mapping";

/**
 * Dialect-neutral pieces of the repository's statements, shared by the D1 (sqlite-core)
 * and PlanetScale (mysql-core) adapters: both tables expose the same column keys, and
 * drizzle's operators bind values through each column's own encoder.
 *
 * Only expressions both SQLite and MySQL evaluate alike are used (CASE, no GREATEST/MAX),
 * and an assignment references only its own column or columns the same UPDATE does not
 * set, because MySQL evaluates SET left to right with already-updated values.
 */
export type ConsultationColumns = { [K in keyof ConsultationRow]: AnyColumn };

type SetValue<K extends keyof ConsultationRow> = ConsultationRow[K] | SQL;
export type ConsultationSet = { [K in keyof ConsultationRow]?: SetValue<K> };

const param = (value: unknown, column: AnyColumn) => sql.param(value, column);

/** The WHERE of a conditional transition: the row must still be what the caller planned on. */
export function guardWhere(t: ConsultationColumns, requestIdx: number, guard: TransitionGuard): SQL {
  const parts: (SQL | undefined)[] = [eq(t.requestIdx, requestIdx), inArray(t.status, [...guard.statuses])];
  if (guard.recipientUserCode === null) parts.push(isNull(t.recipientUserCode));
  else if (guard.recipientUserCode !== undefined) parts.push(eq(t.recipientUserCode, guard.recipientUserCode));
  if (guard.requesterUserCode !== undefined) parts.push(eq(t.requesterUserCode, guard.requesterUserCode));
  if (guard.neverStarted === true) parts.push(isNull(t.startedAt));
  if (guard.neverStarted === false) parts.push(isNotNull(t.startedAt));
  return and(...parts)!;
}

/** The SET of a transition, including the derived `idleSince` the orphan scan reads. */
export function transitionSet(t: ConsultationColumns, changes: TransitionChanges): ConsultationSet {
  const { now, ...columns } = changes;
  const set: ConsultationSet = { updatedAt: now, idleSince: idleSinceAfter(t, changes) };
  for (const [key, value] of Object.entries(columns) as [keyof ConsultationSet, unknown][]) {
    if (value !== undefined) (set as Record<string, unknown>)[key] = value;
  }
  return set;
}

/**
 * idleSince after a transition: the later of now (the state change) and scheduledAt while
 * the consultation is open, NULL otherwise (so closed rows never enter the idle index range).
 */
function idleSinceAfter(t: ConsultationColumns, changes: TransitionChanges): Date | SQL | null {
  const { status, now } = changes;
  if (status !== "PENDING" && status !== "SCHEDULED" && status !== "IN_PROGRESS") return null;
  let latest: Date | SQL;
  if (changes.scheduledAt !== undefined) {
    latest = changes.scheduledAt && changes.scheduledAt > now ? changes.scheduledAt : now;
  } else {
    const n = param(now, t.idleSince);
    latest = sql`CASE WHEN ${t.scheduledAt} IS NOT NULL AND ${t.scheduledAt} > ${n} THEN ${t.scheduledAt} ELSE ${n} END`;
  }
  if (status !== "PENDING") return latest;
  // PENDING is open only after a transfer, i.e. when the consultation has started.
  if (changes.startedAt !== undefined) return changes.startedAt ? latest : null;
  return sql`CASE WHEN ${t.startedAt} IS NULL THEN NULL ELSE ${latest} END`;
}

/** Chat activity only moves forward, whatever order the reports arrive in. */
export function activitySet(t: ConsultationColumns, at: Date, messageCount: number): ConsultationSet {
  const a = param(at, t.lastActivityAt);
  const i = param(at, t.idleSince);
  return {
    lastActivityAt: sql`CASE WHEN ${t.lastActivityAt} IS NULL OR ${t.lastActivityAt} < ${a} THEN ${a} ELSE ${t.lastActivityAt} END`,
    messageCount: sql`CASE WHEN ${t.messageCount} < ${messageCount} THEN ${messageCount} ELSE ${t.messageCount} END`,
    idleSince: sql`CASE WHEN ${t.idleSince} IS NOT NULL AND ${t.idleSince} < ${i} THEN ${i} ELSE ${t.idleSince} END`,
  };
}

/**
 * The caller's consultations after the cursor; with `all` (admins) every row, and `role`
 * is ignored because it names the caller's side.
 */
export function listWhere(t: ConsultationColumns, query: ListQuery, cursor: ListCursor | null): SQL | undefined {
  const parts: (SQL | undefined)[] = [];
  if (!query.all) {
    if (query.role === "requester") parts.push(eq(t.requesterUserCode, query.userCode));
    else if (query.role === "recipient") parts.push(eq(t.recipientUserCode, query.userCode));
    else parts.push(or(eq(t.requesterUserCode, query.userCode), eq(t.recipientUserCode, query.userCode)));
  }
  if (query.status) parts.push(eq(t.status, query.status));
  if (cursor) {
    parts.push(
      or(
        lt(t.createdAt, cursor.createdAt),
        and(eq(t.createdAt, cursor.createdAt), lt(t.requestIdx, cursor.requestIdx)),
      ),
    );
  }
  return and(...parts);
}

/** Newest first; requestIdx breaks ties between rows created in the same millisecond. */
export const listOrder = (t: ConsultationColumns) => [desc(t.createdAt), desc(t.requestIdx)];

/** Unassigned PENDING items (the support queue), optionally of one category. */
export function queueWhere(t: ConsultationColumns, category?: string): SQL {
  return and(eq(t.status, "PENDING"), isNull(t.recipientUserCode), category ? eq(t.category, category) : undefined)!;
}

export const queueOrder = (t: ConsultationColumns) => [asc(t.createdAt), asc(t.requestIdx)];

/**
 * Open consultations idle since before `cutoff`. `idleSince` is non-NULL exactly while a
 * consultation is open (transitionSet keeps it so), so this one range condition is the
 * whole filter: adding the status would let the planner pick the status index instead.
 */
export function idleOpenWhere(t: ConsultationColumns, cutoff: Date): SQL {
  return lt(t.idleSince, cutoff);
}

export const idleOpenOrder = (t: ConsultationColumns) => [asc(t.idleSince)];

/** The first response is written once: a later or repeated report matches no row. */
export function firstResponseWhere(t: ConsultationColumns, requestIdx: number): SQL {
  return and(eq(t.requestIdx, requestIdx), isNull(t.firstResponseAt))!;
}
