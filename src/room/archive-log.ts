import type { ChatMessage } from "../domain/types";

/**
 * The room's archive log, in its Durable Object SQLite: every message that went into a
 * backup, kept until the final archive is written.
 *
 * Why it exists: the hot store has a TTL (36 h) and cleanup only ends a room after
 * ORPHAN_HOURS (60 h) of silence, so a room can lose its hot messages and then carry on
 * (or be ended). Redis drops an expired key by itself, so the room cannot rescue the
 * messages at expiry time; it copies them here instead when it takes a backup, which is
 * minutes after they were stored. Snapshots and the final archive are then built from
 * this log (one header, every message in seq order, SPEC section 7), never from whatever
 * the hot store still holds. Messages, not transcript text, so nothing has to be parsed.
 *
 * Synchronous like RoomState: local SQLite never opens the input gate.
 */
export class ArchiveLog {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS archive_log (seq INTEGER PRIMARY KEY, json TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS archive_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`);
  }

  /** The newest logged seq (0 when the log is empty). */
  get lastSeq(): number {
    return this.sql.exec<{ seq: number | null }>(`SELECT MAX(seq) AS seq FROM archive_log`).one().seq ?? 0;
  }

  get count(): number {
    return this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM archive_log`).one().n;
  }

  /** Adds stored messages, 50 per statement (two bound parameters each, of at most 100); a seq already logged is replaced by the same message. */
  add(messages: readonly ChatMessage[]): void {
    for (let i = 0; i < messages.length; i += 50) {
      const chunk = messages.slice(i, i + 50);
      this.sql.exec(
        `INSERT OR REPLACE INTO archive_log (seq, json) VALUES ${chunk.map(() => "(?, ?)").join(", ")}`,
        ...chunk.flatMap((m) => [m.seq, JSON.stringify(m)]),
      );
    }
  }

  messages(): ChatMessage[] {
    return this.sql
      .exec<{ json: string }>(`SELECT json FROM archive_log ORDER BY seq`)
      .toArray()
      .map((r) => JSON.parse(r.json) as ChatMessage);
  }

  /** The room's last seq that a snapshot in the archive store holds (0: none). */
  get snapshotSeq(): number {
    return this.sql.exec<{ value: number }>(`SELECT value FROM archive_meta WHERE key = 'snapshot_seq'`).toArray()[0]?.value ?? 0;
  }

  set snapshotSeq(seq: number) {
    this.sql.exec(
      `INSERT INTO archive_meta (key, value) VALUES ('snapshot_seq', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      seq,
    );
  }

  /** After the final archive: the log and the snapshot mark go with the hot messages. */
  clear(): void {
    this.sql.exec(`DELETE FROM archive_log`);
    this.sql.exec(`DELETE FROM archive_meta`);
  }
}
