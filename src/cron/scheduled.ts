import type { Services } from "../config/services";
import { withLive } from "../consultations/service";
import { cleanupOrphans } from "./orphan-cleanup";

/** Consultations ended per cron run; a backlog drains over the following runs. */
export const ORPHAN_BATCH = 50;

/**
 * The cron trigger (wrangler.toml, every 5 minutes). The trigger's `scheduledTime` is the
 * run's clock, so tests drive ages with `createScheduledController({ scheduledTime })`.
 * A failing job is logged and rethrown so the run shows as failed in the dashboard.
 */
export async function runScheduled(controller: ScheduledController, services: Services, ctx?: ExecutionContext): Promise<void> {
  const now = new Date(controller.scheduledTime);
  // The inboxes hear of each ended consultation, kept running by the trigger's waitUntil.
  const base = { ...services, now: () => now };
  const deps = ctx ? withLive(base, services.inboxes, (p) => ctx.waitUntil(p)) : base;
  const { orphanHours } = services.config;
  const report = await cleanupOrphans(deps, { now, orphanHours, batch: ORPHAN_BATCH });
  if (report.ended.length || report.failed.length) {
    console.log(`orphan cleanup: ended ${report.ended.length}, failed ${report.failed.length}`, report);
  }
  if (report.failed.length) throw new Error(`orphan cleanup could not end ${report.failed.join(", ")}`);
}
