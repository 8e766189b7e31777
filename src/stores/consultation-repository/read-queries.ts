import { eq, type SQL } from "drizzle-orm";
import { decodeCursor } from "./cursor";
import type { ConsultationRepository } from "./port";
import { idleOpenOrder, idleOpenWhere, listOrder, listWhere, queueOrder, queueWhere, type ConsultationColumns } from "./query-parts";
import { guarded, toPage } from "./repository-helpers";
import { toConsultation, type ConsultationRow } from "./row-mapping";

/**
 * The shape of a drizzle `select().from(table)` chain that both dialects share. Drizzle's
 * builder types differ per dialect (sqlite-core vs mysql-core) although the calls are the
 * same, so the adapters hand their database in through this narrow view.
 */
interface RowQuery extends PromiseLike<ConsultationRow[]> {
  where(condition: SQL | undefined): RowQuery;
  orderBy(...order: SQL[]): RowQuery;
  limit(n: number): PromiseLike<ConsultationRow[]>;
}
export interface SelectableDb {
  select(): { from(table: unknown): RowQuery };
}

type ReadMethods = Pick<ConsultationRepository, "findById" | "list" | "queue" | "findIdleOpen">;

/** The repository's reads, written once for D1 and PlanetScale. */
export function readQueries(db: SelectableDb, t: ConsultationColumns): ReadMethods {
  const rows = () => db.select().from(t);
  return {
    findById: (requestIdx) =>
      guarded(async () => {
        const [row] = await rows().where(eq(t.requestIdx, requestIdx)).limit(1);
        return row ? toConsultation(row) : null;
      }),

    list: async (query) => {
      const cursor = query.cursor ? decodeCursor(query.cursor) : null;
      return guarded(async () => {
        const page = await rows().where(listWhere(t, query, cursor)).orderBy(...listOrder(t)).limit(query.limit + 1);
        return toPage(page, query.limit);
      });
    },

    queue: ({ category, limit }) =>
      guarded(async () => {
        const items = await rows().where(queueWhere(t, category)).orderBy(...queueOrder(t)).limit(limit);
        return items.map(toConsultation);
      }),

    findIdleOpen: (cutoff, limit) =>
      guarded(async () => {
        const items = await rows().where(idleOpenWhere(t, cutoff)).orderBy(...idleOpenOrder(t)).limit(limit);
        return items.map(toConsultation);
      }),
  };
}
