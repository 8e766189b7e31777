import { and, asc, eq, isNotNull, isNull, lt, sql, type AnyColumn, type SQL } from "drizzle-orm";
import type { Attachment, ConsultationRepository } from "./port";
import { guarded } from "./repository-helpers";

/**
 * The attachment methods of the repository, written once for D1 and PlanetScale like
 * read-queries.ts: both `attachment` tables have the same column keys, and drizzle binds
 * values through each column's encoder (epoch ms on D1, DATETIME(3) on MySQL). The one
 * dialect difference, how a driver reports affected rows, comes in as `affected`.
 */
export type AttachmentColumns = { [K in keyof Attachment | "unsentSince"]: AnyColumn };

interface Statement extends PromiseLike<unknown> {}
interface RowQuery extends PromiseLike<AttachmentRow[]> {
  where(condition: SQL | undefined): RowQuery;
  orderBy(...order: SQL[]): RowQuery;
  limit(n: number): PromiseLike<AttachmentRow[]>;
}
/** The narrow, dialect-neutral view of a drizzle database these statements need. */
export interface AttachmentDb {
  select(): { from(table: unknown): RowQuery };
  select(fields: Record<string, unknown>): { from(table: unknown): { where(condition: SQL | undefined): unknown } };
  insert(table: unknown): { select(query: unknown): Statement };
  update(table: unknown): { set(values: Record<string, unknown>): { where(condition: SQL | undefined): Statement } };
  delete(table: unknown): { where(condition: SQL | undefined): Statement };
}

interface AttachmentRow extends Attachment {
  unsentSince: Date | null;
}

type AttachmentMethods = Pick<
  ConsultationRepository,
  "createAttachment" | "findAttachment" | "claimAttachment" | "releaseAttachment" | "findStaleAttachments" | "deleteUnsentAttachment"
>;

const GRANT_WINDOW_MS = 60_000;

export function attachmentQueries(
  db: AttachmentDb,
  a: AttachmentColumns & { _: unknown },
  consultations: { requestIdx: AnyColumn },
  affected: (result: unknown) => number,
): AttachmentMethods {
  const rows = () => db.select().from(a);
  const find = async (id: string) => {
    const [row] = await rows().where(eq(a.id, id)).limit(1);
    return row ? toAttachment(row) : null;
  };
  const value = <T>(v: T, column: AnyColumn, as: string) => sql`${sql.param(v, column)}`.as(as);

  return {
    createAttachment: (n, perMinute) =>
      guarded(async () => {
        const since = new Date(n.createdAt.getTime() - GRANT_WINDOW_MS);
        // INSERT … SELECT from the consultation's own row (not FROM DUAL, which SQLite
        // lacks), kept only while the uploader's grants of the last minute are fewer than
        // the limit; the count reads the (uploader, created_at) index. Columns in table order.
        const source = db
          .select({
            id: value(n.id, a.id, "id"),
            requestIdx: consultations.requestIdx,
            uploader: value(n.uploader, a.uploader, "uploader"),
            name: value(n.name, a.name, "name"),
            size: value(n.size, a.size, "size"),
            contentType: value(n.contentType, a.contentType, "content_type"),
            createdAt: value(n.createdAt, a.createdAt, "created_at"),
            sentClientMsgId: sql`NULL`.as("sent_client_msg_id"),
            unsentSince: value(n.createdAt, a.unsentSince, "unsent_since"),
          })
          .from(consultations)
          .where(
            and(
              eq(consultations.requestIdx, n.requestIdx),
              sql`(SELECT COUNT(*) FROM ${a} WHERE ${a.uploader} = ${sql.param(n.uploader, a.uploader)} AND ${a.createdAt} > ${sql.param(since, a.createdAt)}) < ${perMinute}`,
            ),
          );
        return affected(await db.insert(a).select(source)) === 1;
      }),

    findAttachment: (id) => guarded(() => find(id)),

    claimAttachment: (id, clientMsgId) =>
      guarded(async () => {
        const result = await db
          .update(a)
          .set({ sentClientMsgId: clientMsgId, unsentSince: null })
          .where(and(eq(a.id, id), isNull(a.sentClientMsgId)));
        if (affected(result) === 1) return true;
        // Already claimed: by this very message (a retried send) or by another one.
        return (await find(id))?.sentClientMsgId === clientMsgId;
      }),

    releaseAttachment: (id, clientMsgId) =>
      guarded(async () => {
        await db
          .update(a)
          .set({ sentClientMsgId: null, unsentSince: sql`${a.createdAt}` })
          .where(and(eq(a.id, id), eq(a.sentClientMsgId, clientMsgId)));
      }),

    findStaleAttachments: (cutoff, limit) =>
      guarded(async () => {
        const stale = await rows()
          .where(and(isNotNull(a.unsentSince), lt(a.unsentSince, cutoff)))
          .orderBy(asc(a.unsentSince))
          .limit(limit);
        return stale.map(toAttachment);
      }),

    deleteUnsentAttachment: (id) =>
      guarded(async () => affected(await db.delete(a).where(and(eq(a.id, id), isNull(a.sentClientMsgId)))) === 1),
  };
}

function toAttachment(row: AttachmentRow): Attachment {
  return {
    id: row.id,
    requestIdx: Number(row.requestIdx),
    uploader: row.uploader,
    name: row.name,
    size: Number(row.size),
    contentType: row.contentType,
    createdAt: row.createdAt,
    sentClientMsgId: row.sentClientMsgId,
  };
}
