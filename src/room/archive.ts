import type { Config } from "../config/config";
import type { ChatMessage } from "../domain/types";
import type { ArchiveStore } from "../stores/archive-store/port";
import type { MessageStore } from "../stores/message-store/port";
import type { AlarmScheduler } from "./alarm-scheduler";
import type { ArchiveLog } from "./archive-log";
import { writeFinalArchive, writeSnapshot } from "./archive-writer";
import type { RoomHistory } from "./history";
import { formatTranscript } from "../protocol/transcript";

/**
 * How long after a message is stored the room backs it up. SPEC section 6 asks for a
 * snapshot within 5 minutes; 2 leaves room for one retry (a failing deadline handler runs
 * again a minute later) and batches a busy room's messages into one snapshot.
 */
export const SNAPSHOT_DELAY_MS = 120_000;

/**
 * Up to this much is added to each backup deadline, at random: rooms that started
 * together (a class, a benchmark) then back up spread over a minute instead of all in the
 * same second. 2 + 1 minutes, plus a retry a minute later, still meets SPEC's 5.
 */
export const SNAPSHOT_JITTER_MS = 60_000;

export interface RoomArchiveDeps {
  log: ArchiveLog;
  history: RoomHistory;
  hot: MessageStore;
  scheduler: AlarmScheduler;
  requestIdx(): number;
  /** The seq of the newest message the room has stored (RoomState.lastSeq). */
  lastSeq(): number;
  sealed(): boolean;
  archive(): ArchiveStore;
  transcript(): Config["transcript"];
  now?: () => Date;
  /** The jitter's random source (0 ≤ x < 1). */
  random?: () => number;
}

/**
 * The room's archive side (SPEC section 6): backups on the room's alarm and the final
 * archive when the consultation ends.
 *
 * Backups run on the room's own alarm rather than a cron scan: the room knows when it
 * has unsaved messages, so idle rooms cost nothing and nothing lists the bucket. The
 * per-message cost is one `scheduleIfAbsent` (a local SQLite read).
 *
 * Both build the transcript from the room's log (RoomHistory), which holds every stored
 * message, so a hot store that expired while the room sat idle (and then resumed, or
 * before any backup was due) loses nothing: see archive-log.ts.
 */
export class RoomArchive {
  /** The snapshot in flight; the final archive waits for it, so no backup lands after it. */
  private snapshotting: Promise<void> | null = null;

  constructor(private readonly deps: RoomArchiveDeps) {}

  /** After messages were stored: make sure a backup is due within SNAPSHOT_DELAY_MS. */
  async noteStored(): Promise<void> {
    if (this.deps.scheduler.deadline("snapshot") !== null) return;
    const jitter = Math.floor((this.deps.random ?? Math.random)() * SNAPSHOT_JITTER_MS);
    await this.deps.scheduler.scheduleIfAbsent("snapshot", this.now().getTime() + SNAPSHOT_DELAY_MS + jitter);
  }

  /** Whether there is anything to archive. */
  async hasMessages(): Promise<boolean> {
    return (await this.deps.history.count()) > 0;
  }

  /**
   * The "snapshot" deadline: backs up the room when it stored messages since its last
   * snapshot. Skipped once the room is sealed (the end writes the final archive instead).
   * A failure throws, so the scheduler retries a minute later.
   */
  async snapshotIfDirty(): Promise<void> {
    if (this.deps.sealed() || this.deps.lastSeq() <= this.deps.log.snapshotSeq) return;
    this.snapshotting ??= this.snapshot().finally(() => (this.snapshotting = null));
    await this.snapshotting;
  }

  private async snapshot(): Promise<void> {
    const messages = await this.deps.history.all();
    const last = messages[messages.length - 1];
    // The end may have begun while the hot store was read; it writes the final archive.
    if (!last || this.deps.sealed()) return;
    await writeSnapshot({ archive: this.deps.archive(), requestIdx: this.deps.requestIdx(), transcript: this.format(messages), at: this.now() });
    this.deps.log.snapshotSeq = last.seq;
  }

  /**
   * Step 2 of ending, with the room sealed and every accepted message stored: the final
   * archive (writeFinalArchive: from the log, else the latest snapshot, else an earlier
   * final archive is kept), then the hot messages, the log and the backup deadline go.
   * Nothing is deleted before the archive is written, and the log is cleared last, so a
   * retry after any failure here rebuilds the same transcript; once everything is cleared,
   * a retry finds the final archive and keeps it.
   */
  async writeFinal(): Promise<{ chatLogKey: string | null }> {
    await this.snapshotting?.catch(() => undefined);
    const requestIdx = this.deps.requestIdx();
    const messages = await this.deps.history.all();
    const transcript = messages.length ? this.format(messages) : null;
    const chatLogKey = await writeFinalArchive({ archive: this.deps.archive(), requestIdx, transcript });
    await this.deps.hot.clear(requestIdx);
    this.deps.log.clear();
    await this.deps.scheduler.cancel("snapshot");
    return { chatLogKey };
  }

  private format(messages: readonly ChatMessage[]): string {
    const { timezone, locale } = this.deps.transcript();
    return formatTranscript({ requestIdx: this.deps.requestIdx(), messages, generatedAt: this.now(), timezone, locale });
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}
