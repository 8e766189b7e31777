import { archiveKeys, type ArchiveStore } from "../stores/archive-store/port";
import type { ConsultationRepository } from "../stores/consultation-repository/port";

/** SPEC section 11: an upload never sent in a message is deleted after 24 hours. */
export const STALE_GRANT_MS = 24 * 3_600_000;

export interface AttachmentCleanupReport {
  deleted: string[];
  /** Left for the next run (the archive or the database failed). */
  failed: string[];
}

/**
 * Deletes stale grants: one indexed query for the unsent rows older than the cutoff
 * (bounded by `batch`), never a bucket listing, so the cost grows with the stale grants
 * only. The object goes first, then the row, and the row only while still unsent: a
 * message claiming the file meanwhile keeps its row, and finds the object gone and is
 * refused, so no FILE message ever points at a deleted file.
 */
export async function cleanupStaleAttachments(
  deps: { repository: ConsultationRepository; archive: ArchiveStore },
  options: { now: Date; batch: number },
): Promise<AttachmentCleanupReport> {
  const stale = await deps.repository.findStaleAttachments(new Date(options.now.getTime() - STALE_GRANT_MS), options.batch);
  const report: AttachmentCleanupReport = { deleted: [], failed: [] };
  for (const a of stale) {
    try {
      await deps.archive.delete([archiveKeys.attachment(a.requestIdx, a.id)]);
      if (await deps.repository.deleteUnsentAttachment(a.id)) report.deleted.push(a.id);
    } catch (e) {
      console.error(`attachment cleanup: ${a.id} failed`, e);
      report.failed.push(a.id);
    }
  }
  return report;
}
