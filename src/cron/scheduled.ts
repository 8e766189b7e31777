import type { Services } from "../config/services";
import { cleanupStaleAttachments } from "./attachment-cleanup";
import { withLive } from "../consultations/service";
import { cleanupOrphans } from "./orphan-cleanup";

/** Consultations ended per cron run; a backlog drains over the following runs. */
export const ORPHAN_BATCH = 50;
/** Stale upload grants deleted per cron run. */
export const ATTACHMENT_BATCH = 200;

/**
 * The cron trigger (wrangler.toml, every 5 minutes). The trigger's `scheduledTime` is the
 * run's clock, so tests drive ages with `createScheduledController({ scheduledTime })`.
 * A failing job is logged and rethrown so the run shows as failed in the dashboard.
 */
export async function runScheduled(controller: ScheduledController, services: Services, ctx?: ExecutionContext): Promise<void> {
  const now = new Date(controller.scheduledTime);
  // The inboxes hear of each ended consultation, kept running by the trigger's waitUntil.
  const base = { ...services, now: () => now };
  const deps = ctx ? withLive(base, services, (p) => ctx.waitUntil(p)) : base;
  const { orphanHours } = services.config;
  // Independent of the orphans: a failure there must not keep stale uploads around.
  const attachments = await cleanupStaleAttachments(services, { now, batch: ATTACHMENT_BATCH }).catch((e: unknown) => {
    console.error("attachment cleanup failed", e);
    return null;
  });
  if (attachments?.deleted.length || attachments?.failed.length) console.log(`attachment cleanup: deleted ${attachments.deleted.length}, failed ${attachments.failed.length}`);
  const report = await cleanupOrphans(deps, { now, orphanHours, batch: ORPHAN_BATCH });
  if (report.ended.length || report.failed.length) {
    console.log(`orphan cleanup: ended ${report.ended.length}, failed ${report.failed.length}`, report);
  }
  if (report.failed.length) throw new Error(`orphan cleanup could not end ${report.failed.join(", ")}`);
  if (!attachments || attachments.failed.length) throw new Error("attachment cleanup failed (see the log); the next run tries again");
}
