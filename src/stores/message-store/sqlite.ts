import type { ChatMessage } from "../../domain/types";
import { ROOM_LOG_SCHEMA, writeRoomLog, type MessageStore } from "./port";

/**
 * The embedded hot store: the room's own Durable Object SQLite. Same behaviour as the
 * Redis list of SPEC section 5: messages in seq order, a TTL of `ttlHours` refreshed on
 * every append. Reads treat an expired list as empty at once; the room's alarm
 * (`expireIfDue`, deadline kind "ttl") then ends it for good.
 *
 * The list is a view of the room's log (ROOM_LOG_SCHEMA, DESIGN.md decision 7): its rows
 * ARE the log rows, so one insert per batch serves the hot list, the log and the dedupe
 * index (decision 9), and a backup copies nothing. The TTL never deletes a row: expiring
 * moves a floor (`hot_after`: the hot list holds only seqs above it), and the rows stay
 * the room's record until the final archive (`clear`).
 *
 * One store per Durable Object, so `requestIdx` only has to match the room; the room
 * passes its own.
 *
 * The expiry lives in memory (read once per wake) and is written only when the refreshed
 * TTL passes the stored one, then EXPIRY_SLACK_MS ahead: one write a minute for a busy
 * room instead of one per append. The stored expiry is never earlier than the true one, so
 * an eviction can only make the list live up to a minute longer than its TTL, never shorter.
 */
const EXPIRY_SLACK_MS = 60_000;

export class SqliteMessageStore implements MessageStore {
  /** The exact expiry (now + TTL at the last append) while awake; the stored one after a wake. */
  private exact: number | null | undefined;
  /** hot_meta as stored (undefined: not read since the wake). */
  private meta: { expiresAt: number | null; hotAfter: number } | undefined;
  /**
   * The last seq this instance appended (undefined: none since the wake, or the last
   * append failed). An append at or below it, or the first since the wake, first drops
   * the stored tail from its first seq on (port contract): a crash or failure may have
   * left rows the room never recorded. Every other append is one statement.
   */
  private lastAppended: number | undefined;

  constructor(
    private readonly sql: SqlStorage,
    private readonly ttlHours: number,
    private readonly now: () => number = Date.now,
  ) {
    sql.exec(ROOM_LOG_SCHEMA);
    sql.exec(`CREATE TABLE IF NOT EXISTS hot_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`);
    adoptLegacyHotTable(sql);
  }

  async append(_requestIdx: number, messages: readonly ChatMessage[]): Promise<void> {
    const first = messages[0];
    if (!first) return;
    // Redis semantics: appending to an expired key starts a new list (older rows leave the view).
    if (this.isExpired()) this.setFloor(first.seq - 1);
    try {
      if (this.lastAppended === undefined || first.seq <= this.lastAppended) this.sql.exec(`DELETE FROM archive_log WHERE seq >= ?`, first.seq);
      writeRoomLog(this.sql, messages);
      this.lastAppended = messages[messages.length - 1]!.seq;
    } catch (e) {
      this.lastAppended = undefined;
      throw e;
    }
    this.refreshExpiry(this.now() + this.ttlHours * 3_600_000);
  }

  async list(_requestIdx: number, options: { afterSeq?: number; last?: number } = {}): Promise<ChatMessage[]> {
    if (this.isExpired()) return [];
    const after = Math.max(options.afterSeq ?? 0, this.stored().hotAfter);
    const rows =
      options.last !== undefined
        ? this.sql
            .exec<{ json: string }>(
              `SELECT json FROM (SELECT seq, json FROM archive_log WHERE seq > ? ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
              after,
              options.last,
            )
            .toArray()
        : this.sql.exec<{ json: string }>(`SELECT json FROM archive_log WHERE seq > ? ORDER BY seq`, after).toArray();
    return rows.map((r) => JSON.parse(r.json) as ChatMessage);
  }

  async count(_requestIdx: number): Promise<number> {
    if (this.isExpired()) return 0;
    return this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM archive_log WHERE seq > ?`, this.stored().hotAfter).one().n;
  }

  /** After the final archive: the rows (the room's log) and the list's meta go. */
  async clear(_requestIdx: number): Promise<void> {
    this.sql.exec(`DELETE FROM archive_log`);
    this.sql.exec(`DELETE FROM hot_meta`);
    this.exact = null;
    this.meta = { expiresAt: null, hotAfter: 0 };
  }

  /** When the list expires (ms since the epoch), or null when nothing is hot. */
  expiresAt(): number | null {
    return this.exact ?? this.stored().expiresAt;
  }

  /** Ends the hot view if its TTL has passed (the rows stay, as the room's log); returns whether it did. */
  expireIfDue(): boolean {
    if (!this.isExpired()) return false;
    const top = this.sql.exec<{ seq: number | null }>(`SELECT MAX(seq) AS seq FROM archive_log`).one().seq ?? 0;
    this.setFloor(top);
    return true;
  }

  private stored(): { expiresAt: number | null; hotAfter: number } {
    if (this.meta === undefined) {
      const rows = this.sql.exec<{ key: string; value: number }>(`SELECT key, value FROM hot_meta`).toArray();
      const value = (key: string) => rows.find((r) => r.key === key)?.value;
      this.meta = { expiresAt: value("expires_at") ?? null, hotAfter: value("hot_after") ?? 0 };
    }
    return this.meta;
  }

  private isExpired(): boolean {
    const at = this.expiresAt();
    return at !== null && at <= this.now();
  }

  /** The hot list now starts after `seq`, with no TTL until the next append. */
  private setFloor(seq: number): void {
    this.sql.exec(
      `INSERT INTO hot_meta (key, value) VALUES ('hot_after', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      seq,
    );
    this.sql.exec(`DELETE FROM hot_meta WHERE key = 'expires_at'`);
    this.exact = null;
    this.meta = { expiresAt: null, hotAfter: seq };
  }

  private refreshExpiry(atMs: number): void {
    this.exact = Math.floor(atMs);
    const meta = this.stored();
    if (meta.expiresAt !== null && meta.expiresAt >= this.exact) return;
    meta.expiresAt = this.exact + EXPIRY_SLACK_MS;
    this.sql.exec(
      `INSERT INTO hot_meta (key, value) VALUES ('expires_at', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      meta.expiresAt,
    );
  }
}

/**
 * A room stored before the hot list became a view of the log kept its hot messages in a
 * table of their own (`hot_messages`): move them into the log once (a seq the log already
 * holds is the same message), so none of them goes missing from view.
 */
function adoptLegacyHotTable(sql: SqlStorage): void {
  const legacy = sql.exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'hot_messages'`).toArray().length > 0;
  if (!legacy) return;
  sql.exec(`INSERT OR IGNORE INTO archive_log (seq, json) SELECT seq, json FROM hot_messages`);
  sql.exec(`DROP TABLE hot_messages`);
}
