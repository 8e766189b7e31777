import type { DeliveredMark } from "../protocol/frames";

/** How long moved marks wait in memory before one write stores them all. */
export const DELIVERED_FLUSH_MS = 200;

/**
 * The participants' delivered marks (SPEC section 13): the highest seq a device of the
 * user reported with `received`. Every device of a user sends one per message, so the
 * marks are compared in memory (loaded once per wake) and only a mark that moves is
 * written, coalesced: moves within DELIVERED_FLUSH_MS become one statement. A pending
 * write keeps the room from resetting itself (`pending`, read by the closer's idle check)
 * and from hibernating (its timer); a crash inside the window loses at most that much,
 * which the app repairs by itself (it reports `received` again after every `ready`).
 * The table sits beside the read marks (state.ts) in the room's SQLite.
 */
export class DeliveryMarks {
  private marks: Map<string, number> | null = null;
  private readonly dirty = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS delivered (user_code TEXT PRIMARY KEY, up_to_seq INTEGER NOT NULL)`);
  }

  /** Moves `userCode`'s mark forward (never back); true if it moved. */
  advance(userCode: string, upToSeq: number): boolean {
    const marks = this.load();
    if (upToSeq <= (marks.get(userCode) ?? 0)) return false;
    marks.set(userCode, upToSeq);
    this.dirty.add(userCode);
    this.timer ??= setTimeout(() => this.flush(), DELIVERED_FLUSH_MS);
    return true;
  }

  /** Every mark, sorted by user code (for `ready` and `GET /api/chat/messages`). */
  all(): DeliveredMark[] {
    return [...this.load()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([userCode, upToSeq]) => ({ userCode, upToSeq }));
  }

  /** Moved marks not yet written. */
  get pending(): number {
    return this.dirty.size;
  }

  /** Writes every moved mark in one statement. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.dirty.size === 0 || !this.marks) return;
    const rows = [...this.dirty].map((u) => [u, this.marks!.get(u)!] as const);
    this.dirty.clear();
    this.sql.exec(
      `INSERT INTO delivered (user_code, up_to_seq) VALUES ${rows.map(() => "(?, ?)").join(", ")}
       ON CONFLICT (user_code) DO UPDATE SET up_to_seq = excluded.up_to_seq WHERE excluded.up_to_seq > delivered.up_to_seq`,
      ...rows.flat(),
    );
  }

  private load(): Map<string, number> {
    this.marks ??= new Map(
      this.sql.exec<{ user_code: string; up_to_seq: number }>(`SELECT user_code, up_to_seq FROM delivered`).toArray().map((r) => [r.user_code, r.up_to_seq]),
    );
    return this.marks;
  }
}
