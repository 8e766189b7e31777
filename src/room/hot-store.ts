import type { MessageStore, RoomMessageStore } from "../stores/message-store/port";
import type { AlarmScheduler } from "./alarm-scheduler";

/**
 * The room's hot store (SPEC section 5) and its "ttl" deadline. Redis expires its keys by
 * itself; the embedded adapter cannot, so for it the room's alarm ends the hot view once
 * its TTL passed (and follows the TTL while appends keep refreshing it); the rows stay,
 * as the room's log, until the final archive.
 */
export class HotStore {
  readonly store: MessageStore;
  /** The store's append writes the room's log itself (embedded): the room logs nothing more. */
  readonly writesRoomLog: boolean;
  private readonly local: RoomMessageStore["localExpiry"];

  constructor(
    hot: RoomMessageStore,
    private readonly scheduler: AlarmScheduler,
  ) {
    this.store = hot.store;
    this.writesRoomLog = hot.writesRoomLog;
    this.local = hot.localExpiry;
    scheduler.on("ttl", () => this.expire());
  }

  /** The TTL as the last append left it (embedded adapter only; null for Redis). */
  expiresAt(): number | null {
    return this.local?.expiresAt() ?? null;
  }

  /**
   * After an append: make sure a "ttl" deadline is pending. Free while one is (no write per
   * append): the TTL only moves later, so a deadline that fires early just follows it.
   */
  async noteAppended(): Promise<void> {
    const at = this.expiresAt();
    if (at !== null) await this.scheduler.scheduleIfAbsent("ttl", at);
  }

  /** The "ttl" deadline: drop the hot messages if their TTL passed, else follow the refreshed TTL. */
  private async expire(): Promise<void> {
    if (!this.local || this.local.expireIfDue()) return;
    const at = this.local.expiresAt();
    if (at !== null) await this.scheduler.schedule("ttl", at);
  }
}
