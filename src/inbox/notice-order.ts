import type { InboxServerFrame, RoomActivity, RoomActivityNotice, UnreadState } from "../protocol/inbox-frames";

/** A row this long unseen is forgotten: no notice is in flight that long. */
const FORGET_AFTER_MS = 10 * 60_000;
const PRUNE_EVERY_MS = 60_000;

interface OrderRow {
  last_seq: number;
  unread: number | null;
  unread_version: number;
  updated_ms: number;
}

/**
 * Puts the notices an inbox receives back in order (SPEC section 9). Notices come over
 * separate RPCs (from rooms, the lifecycle, the admin shards) and may overtake each other
 * or a `ready` that was built meanwhile; delivered as they come, an older one would leave
 * a wrong status or unread badge until the next reconnect.
 *
 * Per consultation the inbox keeps the newest it has learned, from notices and from
 * `ready`:
 * - the row's `updatedAt`: a `consultation` frame older than it is dropped;
 * - the room's last seq every socket has heard of (from activity notices, or from `ready`
 *   when it was the only socket): an `activity` notice not past it is dropped;
 * - the unread count with its version (the room's notice clock, see
 *   src/room/inbox-notices.ts): every frame carries the newest count, and an `unread`
 *   notice older than it is dropped.
 * A held frame (while a socket's `ready` is built, or by the activity interval) is dropped
 * only when strictly older: it may be the very notice that set the mark. State is in the
 * inbox's SQLite, forgotten with the last socket (the next connect's `ready` starts afresh)
 * or after ten quiet minutes.
 */
export class NoticeOrder {
  private prunedAt = 0;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(
      `CREATE TABLE IF NOT EXISTS inbox_notice_order (request_idx INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL DEFAULT 0,
         unread INTEGER, unread_version INTEGER NOT NULL DEFAULT 0, updated_ms INTEGER NOT NULL DEFAULT 0, seen_ms INTEGER NOT NULL)`,
    );
  }

  /**
   * A room's answer to `ready`: the count to show (a newer notice may have come meanwhile).
   * `onlySocket`: no other socket is open, so the room's last seq is known to all of them;
   * otherwise an open socket may still be owed the notice of that message.
   */
  fromReady(requestIdx: number, state: UnreadState, onlySocket: boolean): number {
    const row = this.row(requestIdx);
    const newer = row && row.unread !== null && row.unread_version > state.version;
    const unread = newer ? row.unread! : state.unread;
    this.write(requestIdx, {
      last_seq: onlySocket ? Math.max(row?.last_seq ?? 0, state.lastSeq) : (row?.last_seq ?? 0),
      unread,
      unread_version: Math.max(row?.unread_version ?? 0, state.version),
      updated_ms: row?.updated_ms ?? 0,
    });
    return unread;
  }

  /** `ready` listed these rows: notices of older versions are dropped from now on. */
  listed(consultations: readonly { requestIdx: number; updatedAt: string }[]): void {
    for (const c of consultations) this.consultation(c);
  }

  /** Whether a `consultation` frame for this row is not older than one seen; records it. */
  consultation(c: { requestIdx: number; updatedAt: string }): boolean {
    const at = Date.parse(c.updatedAt);
    const row = this.row(c.requestIdx);
    if (row && at < row.updated_ms) return false;
    this.write(c.requestIdx, { last_seq: row?.last_seq ?? 0, unread: row?.unread ?? null, unread_version: row?.unread_version ?? 0, updated_ms: at });
    return true;
  }

  /** The activity to pass on (with the newest unread count), or null when it is about older messages. */
  activity(notice: RoomActivityNotice): RoomActivity | null {
    const { version, ...activity } = notice;
    const row = this.row(activity.requestIdx);
    if (row && activity.lastSeq <= row.last_seq) return null;
    const newer = row && row.unread !== null && row.unread_version > version;
    const unread = newer ? row.unread! : activity.unread;
    this.write(activity.requestIdx, {
      last_seq: activity.lastSeq,
      unread,
      unread_version: Math.max(row?.unread_version ?? 0, version),
      updated_ms: row?.updated_ms ?? 0,
    });
    return { ...activity, unread };
  }

  /** Whether an `unread` notice is not older than the count already known; records it. */
  unread(requestIdx: number, unread: number, version: number): boolean {
    const row = this.row(requestIdx);
    if (row && row.unread !== null && version < row.unread_version) return false;
    this.write(requestIdx, { last_seq: row?.last_seq ?? 0, unread, unread_version: version, updated_ms: row?.updated_ms ?? 0 });
    return true;
  }

  /**
   * A frame held back (while a socket's `ready` was built, or by the activity interval),
   * brought up to date before it goes out: null when it is older than what is known now.
   */
  refresh(frame: InboxServerFrame): InboxServerFrame | null {
    if (frame.type === "consultation") {
      const row = this.row(frame.consultation.requestIdx);
      return row && Date.parse(frame.consultation.updatedAt) < row.updated_ms ? null : frame;
    }
    if (frame.type !== "activity" && frame.type !== "unread") return frame;
    const row = this.row(frame.requestIdx);
    if (!row) return frame;
    if (frame.type === "activity" && frame.lastSeq < row.last_seq) return null;
    return row.unread === null ? frame : { ...frame, unread: row.unread };
  }

  /** The last socket went: the next connect's `ready` is the new starting point. */
  clear(): void {
    this.sql.exec(`DELETE FROM inbox_notice_order`);
  }

  private row(requestIdx: number): OrderRow | undefined {
    return this.sql
      .exec<{ last_seq: number; unread: number | null; unread_version: number; updated_ms: number }>(
        `SELECT last_seq, unread, unread_version, updated_ms FROM inbox_notice_order WHERE request_idx = ?`,
        requestIdx,
      )
      .toArray()[0];
  }

  private write(requestIdx: number, r: OrderRow, nowMs = Date.now()): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO inbox_notice_order (request_idx, last_seq, unread, unread_version, updated_ms, seen_ms) VALUES (?, ?, ?, ?, ?, ?)`,
      requestIdx,
      r.last_seq,
      r.unread,
      r.unread_version,
      r.updated_ms,
      nowMs,
    );
    if (nowMs - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = nowMs;
    this.sql.exec(`DELETE FROM inbox_notice_order WHERE seen_ms < ?`, nowMs - FORGET_AFTER_MS);
  }
}
