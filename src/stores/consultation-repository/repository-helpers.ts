import { STATUSES, type Consultation, type ConsultationStatus } from "../../domain/types";
import { upstreamError } from "../../domain/errors";
import { encodeCursor } from "./cursor";
import type { Stats } from "./port";
import { toConsultation, type ConsultationRow } from "./row-mapping";

/**
 * Adapter-side steps shared by the D1 and PlanetScale repositories (everything that is not
 * a statement: error mapping, paging, folding stats rows).
 */

/** Activity rows older than this are pruned; stats only look at the last 24 hours. */
export const ACTIVITY_RETENTION_MS = 7 * 24 * 3600_000;

/** Store failures become 503 UPSTREAM_UNAVAILABLE (each adapter keeps its writes atomic). */
export async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw upstreamError("The consultation database", e);
  }
}

/** A page from `limit + 1` rows read in list order: the extra row only says "there is more". */
export function toPage(rows: readonly ConsultationRow[], limit: number): { items: Consultation[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toConsultation),
    nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
  };
}

/** Drivers return COUNT/AVG/SUM as numbers or strings (MySQL DECIMAL); both fold the same. */
export function toStats(
  byStatusRows: readonly { status: ConsultationStatus; n: unknown }[],
  meanDuration: unknown,
  messagesLast24h: unknown,
): Stats {
  const byStatus = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<ConsultationStatus, number>;
  for (const r of byStatusRows) byStatus[r.status] = Number(r.n);
  return {
    byStatus,
    meanDurationMinutes: meanDuration == null ? null : Number(meanDuration),
    messagesLast24h: Number(messagesLast24h ?? 0),
  };
}
