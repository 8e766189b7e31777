import { and, eq, getTableColumns, gte, inArray, sql, type SQL } from "drizzle-orm";
import type { CreateLimits, RequesterLoad } from "./port";
import type { ConsultationColumns } from "./query-parts";
import type { ConsultationRow } from "./row-mapping";

/** The statuses that count as "open" for MAX_OPEN_REQUESTS (SPEC section 14). */
export const OPEN_STATUSES = ["PENDING", "SCHEDULED", "IN_PROGRESS"] as const;

/**
 * The requester's load in one aggregate over their rows (the requester index): how many
 * are open and how many were created since `since`.
 */
export function requesterLoadFields(t: ConsultationColumns, since: Date) {
  return {
    open: sql<number | string | null>`COALESCE(SUM(CASE WHEN ${inArray(t.status, [...OPEN_STATUSES])} THEN 1 ELSE 0 END), 0)`,
    createdSince: sql<number | string | null>`COALESCE(SUM(CASE WHEN ${gte(t.createdAt, since)} THEN 1 ELSE 0 END), 0)`,
    // Decoded by the column, so both dialects give a Date.
    oldestSince: sql`MIN(CASE WHEN ${gte(t.createdAt, since)} THEN ${t.createdAt} END)`.mapWith(t.createdAt),
  };
}

/** The one row of a `requesterLoadFields` select (drivers give SUMs as numbers or strings). */
export function toLoad(rows: { open: unknown; createdSince: unknown; oldestSince: unknown }[]): RequesterLoad {
  const row = rows[0];
  const oldest = row?.oldestSince;
  return { open: Number(row?.open ?? 0), createdSince: Number(row?.createdSince ?? 0), oldestSince: oldest instanceof Date ? oldest : null };
}

/**
 * `INSERT ... SELECT <values> FROM (<the requester's load>) WHERE <under the limits>`: the
 * check and the insert are one statement, so a burst of parallel creates cannot all pass
 * a check that ran before any of them wrote (SQLite runs statements one at a time; InnoDB
 * locks the rows the SELECT read). The load is a derived table because MySQL refuses a
 * subquery on the table being inserted into, but materialises a derived one.
 * The statement inserts one row, or none when a limit is reached.
 */
export function limitedInsert(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- either dialect's table
  table: any,
  values: Omit<ConsultationRow, "requestIdx">,
  limits: CreateLimits,
): SQL {
  const t = table as ConsultationColumns;
  const columns = getTableColumns(table) as Record<string, ConsultationColumns[keyof ConsultationColumns]>;
  const entries = Object.entries(values).map(([key, value]) => [columns[key]!, value] as const);
  const names = sql.join(entries.map(([column]) => sql.identifier(column.name)), sql`, `);
  const params = sql.join(entries.map(([column, value]) => sql`${sql.param(value, column)}`), sql`, `);
  const load = requesterLoadFields(t, limits.since);
  const under: SQL[] = [];
  if (limits.maxOpen > 0) under.push(sql`requester_load.open_n < ${limits.maxOpen}`);
  if (limits.maxCreated > 0) under.push(sql`requester_load.created_n < ${limits.maxCreated}`);
  return sql`INSERT INTO ${table} (${names}) SELECT ${params} FROM (SELECT ${load.open} AS open_n, ${load.createdSince} AS created_n FROM ${table} WHERE ${eq(t.requesterUserCode, values.requesterUserCode)}) AS requester_load WHERE ${under.length ? and(...under) : sql`1 = 1`}`;
}
