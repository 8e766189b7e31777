import type { RoomActivity } from "../protocol/inbox-frames";

/** SPEC section 9: at most one `activity` frame a second per room. */
export const ACTIVITY_INTERVAL_MS = 1000;

/**
 * Coalesces room activity for one user's inbox: the first notice of a quiet room goes out
 * at once; later ones within the interval are held (only the newest per room is kept) and
 * flushed by the inbox's alarm when the interval is over. State is in the inbox's SQLite,
 * so a held notice survives hibernation and eviction (no timers in memory).
 */
export class ActivityCoalescer {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(
      `CREATE TABLE IF NOT EXISTS inbox_activity (request_idx INTEGER PRIMARY KEY, sent_ms INTEGER NOT NULL,
         last_seq INTEGER NOT NULL, held TEXT)`,
    );
  }

  /** The notice to send now, or null when it is held for the next flush (or older than one already seen). */
  offer(a: RoomActivity, nowMs = Date.now()): RoomActivity | null {
    const row = this.row(a.requestIdx);
    if (row && a.lastSeq <= row.last_seq) return null; // notices may overtake each other on the way
    if (!row || nowMs - row.sent_ms >= ACTIVITY_INTERVAL_MS) {
      this.sql.exec(
        `INSERT OR REPLACE INTO inbox_activity (request_idx, sent_ms, last_seq, held) VALUES (?, ?, ?, NULL)`,
        a.requestIdx,
        nowMs,
        a.lastSeq,
      );
      return a;
    }
    this.sql.exec(`UPDATE inbox_activity SET last_seq = ?, held = ? WHERE request_idx = ?`, a.lastSeq, JSON.stringify(a), a.requestIdx);
    return null;
  }

  /** Held notices whose interval is over; they count as sent now. Forgets long-quiet rooms. */
  due(nowMs = Date.now()): RoomActivity[] {
    const rows = this.sql
      .exec<{ request_idx: number; held: string }>(
        `SELECT request_idx, held FROM inbox_activity WHERE held IS NOT NULL AND sent_ms + ? <= ? ORDER BY sent_ms`,
        ACTIVITY_INTERVAL_MS,
        nowMs,
      )
      .toArray();
    for (const r of rows) this.sql.exec(`UPDATE inbox_activity SET sent_ms = ?, held = NULL WHERE request_idx = ?`, nowMs, r.request_idx);
    // A row only matters within the interval after its last send (its last_seq guards order
    // for a while longer); a room quiet for a minute starts afresh.
    this.sql.exec(`DELETE FROM inbox_activity WHERE held IS NULL AND sent_ms < ?`, nowMs - 60_000);
    return rows.map((r) => JSON.parse(r.held) as RoomActivity);
  }

  /** When the earliest held notice is due (ms since the epoch), or null. */
  nextDue(): number | null {
    return this.sql.exec<{ at: number | null }>(`SELECT MIN(sent_ms) + ? AS at FROM inbox_activity WHERE held IS NOT NULL`, ACTIVITY_INTERVAL_MS).one().at;
  }

  /** Everything held goes with the last socket: a reconnect gets `ready` anyway. */
  clear(): void {
    this.sql.exec(`DELETE FROM inbox_activity`);
  }

  private row(requestIdx: number) {
    return this.sql
      .exec<{ sent_ms: number; last_seq: number; held: string | null }>(`SELECT sent_ms, last_seq, held FROM inbox_activity WHERE request_idx = ?`, requestIdx)
      .toArray()[0];
  }
}
