import { SYSTEM } from "../domain/rules";
import { endConsultation, type LifecycleDeps } from "../consultations/service";
import { ApiError } from "../domain/errors";

export interface CleanupOptions {
  now: Date;
  orphanHours: number;
  /** Most consultations ended per run; the rest wait for the next trigger. */
  batch: number;
}

export interface CleanupReport {
  ended: number[];
  /** Still open (e.g. the archive was unavailable); the next run tries them again. */
  failed: number[];
}

/**
 * SPEC section 6, cleanup: every open consultation idle for `orphanHours` (the repository
 * counts from the latest of last message, last state change and scheduledAt) is ended by
 * SYSTEM through the one end path, which archives the hot messages or, when they already
 * expired, the room's latest snapshot.
 *
 * One indexed query per run, bounded by `batch`: cost grows with the stale consultations,
 * never with the table or the bucket. Each consultation is ended on its own, so one
 * failure (archive down) neither stops the others nor loses anything.
 */
export async function cleanupOrphans(deps: LifecycleDeps, options: CleanupOptions): Promise<CleanupReport> {
  const cutoff = new Date(options.now.getTime() - options.orphanHours * 3_600_000);
  const idle = await deps.repository.findIdleOpen(cutoff, options.batch);
  const report: CleanupReport = { ended: [], failed: [] };
  for (const consultation of idle) {
    try {
      await endConsultation(deps, consultation.requestIdx, SYSTEM);
      report.ended.push(consultation.requestIdx);
    } catch (e) {
      // Someone ended it between our query and our end: nothing left to do.
      if (e instanceof ApiError && e.code === "INVALID_STATE") continue;
      console.error(`orphan cleanup: ending consultation ${consultation.requestIdx} failed`, e);
      report.failed.push(consultation.requestIdx);
    }
  }
  return report;
}
