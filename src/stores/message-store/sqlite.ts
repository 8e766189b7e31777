import type { ChatMessage } from "../../domain/types";
import type { MessageStore } from "./port";

/**
 * The embedded hot store: the room's own Durable Object SQLite. Same behaviour as the
 * Redis list of SPEC section 5: messages in seq order, a TTL of `ttlHours` refreshed on
 * every append. Reads treat an expired list as empty at once; the room's alarm
 * (`expireIfDue`, deadline kind "ttl") then deletes the rows.
 *
 * One store per Durable Object, so `requestIdx` only has to match the room; the room
 * passes its own.
 */
export class SqliteMessageStore implements MessageStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly ttlHours: number,
    private readonly now: () => number = Date.now,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS hot_messages (seq INTEGER PRIMARY KEY, json TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS hot_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`);
  }

  async append(_requestIdx: number, messages: readonly ChatMessage[]): Promise<void> {
    if (messages.length === 0) return;
    // Redis semantics: appending to an expired key starts a new list.
    this.expireIfDue();
    // A retried seq replaces a partially written tail (port contract): drop the stored
    // tail from the batch's first seq on, as the Upstash adapter does.
    this.sql.exec(`DELETE FROM hot_messages WHERE seq >= ?`, messages[0]!.seq);
    for (const m of messages) {
      this.sql.exec(`INSERT OR REPLACE INTO hot_messages (seq, json) VALUES (?, ?)`, m.seq, JSON.stringify(m));
    }
    this.setExpiry(this.now() + this.ttlHours * 3_600_000);
  }

  async list(_requestIdx: number, options: { afterSeq?: number; last?: number } = {}): Promise<ChatMessage[]> {
    if (this.isExpired()) return [];
    const after = options.afterSeq ?? 0;
    const rows =
      options.last !== undefined
        ? this.sql
            .exec<{ json: string }>(
              `SELECT json FROM (SELECT seq, json FROM hot_messages WHERE seq > ? ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
              after,
              options.last,
            )
            .toArray()
        : this.sql.exec<{ json: string }>(`SELECT json FROM hot_messages WHERE seq > ? ORDER BY seq`, after).toArray();
    return rows.map((r) => JSON.parse(r.json) as ChatMessage);
  }

  async count(_requestIdx: number): Promise<number> {
    if (this.isExpired()) return 0;
    return this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM hot_messages`).one().n;
  }

  async clear(_requestIdx: number): Promise<void> {
    this.deleteAll();
  }

  /** When the list expires (ms since the epoch), or null when there is nothing stored. */
  expiresAt(): number | null {
    const row = this.sql.exec<{ value: number }>(`SELECT value FROM hot_meta WHERE key = 'expires_at'`).toArray()[0];
    return row ? row.value : null;
  }

  /** Deletes the list if its TTL has passed; returns whether it did. */
  expireIfDue(): boolean {
    if (!this.isExpired()) return false;
    this.deleteAll();
    return true;
  }

  private isExpired(): boolean {
    const at = this.expiresAt();
    return at !== null && at <= this.now();
  }

  private deleteAll(): void {
    this.sql.exec(`DELETE FROM hot_messages`);
    this.sql.exec(`DELETE FROM hot_meta WHERE key = 'expires_at'`);
  }

  private setExpiry(atMs: number): void {
    this.sql.exec(
      `INSERT INTO hot_meta (key, value) VALUES ('expires_at', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      Math.floor(atMs),
    );
  }
}
