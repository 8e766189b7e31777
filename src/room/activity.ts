import type { RoomServices } from "./room-services";
import type { AlarmScheduler } from "./alarm-scheduler";
import type { RoomState } from "./state";

/** How often, at most, the room reports lastActivityAt/messageCount (and the first response) to the repository. */
export const ACTIVITY_FLUSH_MS = 30_000;

/** Up to this much is added to each report's deadline, so rooms that started together report spread out. */
const ACTIVITY_JITTER_MS = 10_000;

/**
 * The room's reports of lastActivityAt/messageCount to the repository, on the "activity"
 * deadline. Throttled: at most one repository write per ACTIVITY_FLUSH_MS while the room
 * is busy, instead of one per message; ending flushes whatever is left at once.
 */
export class ActivityReporter {
  constructor(
    private readonly state: RoomState,
    private readonly repository: RoomServices["repository"],
    private readonly scheduler: AlarmScheduler,
    private readonly requestIdx: () => number,
  ) {
    scheduler.on("activity", () => this.flush());
  }

  /** After messages were stored: make sure a report is due within ACTIVITY_FLUSH_MS. */
  async noteStored(): Promise<void> {
    if (this.scheduler.deadline("activity") !== null) return;
    await this.scheduler.schedule("activity", Date.now() + ACTIVITY_FLUSH_MS + Math.floor(Math.random() * ACTIVITY_JITTER_MS));
  }

  /**
   * Reports pending activity (lastActivityAt, messageCount) to the repository, and the
   * recipient's first response once (one extra statement per consultation, not per message).
   */
  async flush(): Promise<void> {
    const firstResponse = this.state.pendingFirstResponse();
    if (firstResponse !== null) {
      await this.repository.recordFirstResponse(this.requestIdx(), new Date(firstResponse));
      this.state.markFirstResponseReported();
    }
    const pending = this.state.pendingActivity();
    if (!pending) return;
    await this.repository.recordActivity(this.requestIdx(), new Date(pending.at), pending.messageCount);
    this.state.markActivityReported(pending.messageCount);
  }
}
