import type { Consultation, User } from "../domain/types";
import type { Bookkeeping } from "./state";

const PENDING = "pending_start";
const HELD_UNTIL = "starts_held_until";

/** How long the lifecycle's hold on new optimistic starts lasts when its change never arrives (refused, or failed). */
export const START_HOLD_MS = 30_000;

/** An auto-start the room made that the repository has not recorded yet: who started it, from which row. */
export interface PendingStart {
  sender: User;
  before: Consultation;
}

/**
 * What the room's optimistic auto-start keeps in its meta table (src/room/status-changes.ts):
 * the start it made and has not yet seen recorded in the repository (so a crash after the
 * first message's ack still records it on the next wake), and the lifecycle's hold on new
 * ones while a cancel or transfer of the SCHEDULED row is under way. Off the per-message
 * path (once per consultation); the marker shares the planned row's statement.
 */
export class StartRecords {
  constructor(
    private readonly book: Bookkeeping,
    private readonly nowMs: () => number = Date.now,
  ) {}

  pending(): PendingStart | null {
    const v = this.book.kept(PENDING);
    return v ? (JSON.parse(v) as PendingStart) : null;
  }

  /**
   * Kept, not written: the caller's next meta statement (the planned row's) carries it, so
   * the marker and the IN_PROGRESS copy are stored together, before the first message's ack.
   */
  begin(start: PendingStart): void {
    this.book.keep(PENDING, JSON.stringify(start));
  }

  /** Kept, not written: the caller writes it with the repository's row (or flushes). */
  recorded(): void {
    if (this.book.kept(PENDING)) this.book.keep(PENDING, "");
  }

  /** New starts take the repository's path (and its guard) until the hold ends. */
  held(): boolean {
    return Number(this.book.kept(HELD_UNTIL) ?? 0) > this.nowMs();
  }

  hold(): void {
    this.write(HELD_UNTIL, String(this.nowMs() + START_HOLD_MS));
  }

  release(): void {
    if (this.held()) this.write(HELD_UNTIL, "0");
  }

  private write(key: string, value: string): void {
    this.book.keep(key, value);
    this.book.flushKept();
  }
}
