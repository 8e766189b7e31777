import type { MessageType } from "../domain/types";

/** A new message worth a push, as the queue consumer hands it to the user's PushDO. */
export interface PushableMessage {
  eventId: string;
  seq: number;
  senderName: string;
  type: MessageType;
  /** Already cut to the preview length by the consumer: no more content than that leaves. */
  preview: string;
}

export interface DueWindow {
  requestIdx: number;
  /** The user this object pushes to (the object's name), as the consumer gave it. */
  userCode: string;
  /** When the window opened (its first message): part of the delivery key of its push. */
  openedAt: number;
  count: number;
  senderName: string;
  lastType: MessageType;
  lastPreview: string;
}

/** Ids seen are kept this long: far beyond the queue's redelivery of a batch. */
const SEEN_KEEP_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The batching rule of SPEC 10 in the user's PushDO: the first unpushed message of a room
 * opens a window of PUSH_BATCH_SECONDS; every message until it closes is summed into it;
 * at the close one push goes ("3 new messages from 김교수") unless the user has read the
 * room meanwhile (on some device), and the next message opens the next window. So a burst is one push, and a room gets at most one push per window.
 *
 * Delivery is at least once: each message event id is recorded the first time it is
 * counted (`seen`), so a redelivered batch adds nothing. A push is sent once per (window,
 * device) (`sent`), so a retry after a temporary failure only reaches the devices it missed.
 */
export class PushWindows {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS push_windows (
      request_idx INTEGER PRIMARY KEY, user_code TEXT NOT NULL, opened_at INTEGER NOT NULL, due_at INTEGER NOT NULL,
      count INTEGER NOT NULL, sender_name TEXT NOT NULL, last_seq INTEGER NOT NULL,
      last_type TEXT NOT NULL, last_preview TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS push_seen (event_id TEXT PRIMARY KEY, at INTEGER NOT NULL)`);
    sql.exec(`CREATE INDEX IF NOT EXISTS push_seen_at ON push_seen (at)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS push_sent (delivery TEXT NOT NULL, target TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (delivery, target))`);
    sql.exec(`CREATE INDEX IF NOT EXISTS push_sent_at ON push_sent (at)`);
  }

  /** Counts the messages not seen before into the room's window; returns how many were new. */
  offer(userCode: string, requestIdx: number, messages: readonly PushableMessage[], nowMs: number, windowMs: number): number {
    let added = 0;
    for (const m of messages) {
      if (this.sql.exec(`INSERT OR IGNORE INTO push_seen (event_id, at) VALUES (?, ?)`, m.eventId, nowMs).rowsWritten === 0) continue;
      added++;
      this.sql.exec(
        `INSERT INTO push_windows (request_idx, user_code, opened_at, due_at, count, sender_name, last_seq, last_type, last_preview)
         VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)
         ON CONFLICT (request_idx) DO UPDATE SET count = count + 1,
           sender_name = CASE WHEN excluded.last_seq > last_seq THEN excluded.sender_name ELSE sender_name END,
           last_type = CASE WHEN excluded.last_seq > last_seq THEN excluded.last_type ELSE last_type END,
           last_preview = CASE WHEN excluded.last_seq > last_seq THEN excluded.last_preview ELSE last_preview END,
           last_seq = MAX(last_seq, excluded.last_seq)`,
        requestIdx, userCode, nowMs, nowMs + windowMs, m.senderName, m.seq, m.type, m.preview,
      );
    }
    return added;
  }

  due(nowMs: number): DueWindow[] {
    return this.sql
      .exec<{ request_idx: number; user_code: string; opened_at: number; count: number; sender_name: string; last_type: string; last_preview: string }>(
        `SELECT request_idx, user_code, opened_at, count, sender_name, last_type, last_preview FROM push_windows WHERE due_at <= ? ORDER BY due_at`,
        nowMs,
      )
      .toArray()
      .map((r) => ({ requestIdx: r.request_idx, userCode: r.user_code, openedAt: r.opened_at, count: r.count, senderName: r.sender_name, lastType: r.last_type as MessageType, lastPreview: r.last_preview }));
  }

  /** The window's push went out (or cannot): the next message opens a new one. */
  close(requestIdx: number): void {
    this.sql.exec(`DELETE FROM push_windows WHERE request_idx = ?`, requestIdx);
  }

  /** Some devices failed for now: try the window again at `atMs`. */
  postpone(requestIdx: number, atMs: number): void {
    this.sql.exec(`UPDATE push_windows SET due_at = ? WHERE request_idx = ?`, atMs, requestIdx);
  }

  nextDue(): number | null {
    return this.sql.exec<{ t: number | null }>(`SELECT MIN(due_at) AS t FROM push_windows`).one().t;
  }

  wasSent(delivery: string, target: string): boolean {
    return this.sql.exec(`SELECT 1 FROM push_sent WHERE delivery = ? AND target = ?`, delivery, target).toArray().length > 0;
  }

  markSent(delivery: string, target: string, nowMs: number): void {
    this.sql.exec(`INSERT OR IGNORE INTO push_sent (delivery, target, at) VALUES (?, ?, ?)`, delivery, target, nowMs);
  }

  /** Drops dedupe records older than a week (bounded storage; the queue never redelivers that late). */
  prune(nowMs: number): void {
    this.sql.exec(`DELETE FROM push_seen WHERE at < ?`, nowMs - SEEN_KEEP_MS);
    this.sql.exec(`DELETE FROM push_sent WHERE at < ?`, nowMs - SEEN_KEEP_MS);
  }
}
