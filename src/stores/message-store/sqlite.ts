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
 *
 * The expiry lives in memory (read once per wake) and is written only when the refreshed
 * TTL passes the stored one, then EXPIRY_SLACK_MS ahead: one write a minute for a busy
 * room instead of one per append (DESIGN.md, decision 9). The stored expiry is never
 * earlier than the true one, so an eviction can only make the list live up to a minute
 * longer than its TTL, never shorter.
 */
const EXPIRY_SLACK_MS = 60_000;

export class SqliteMessageStore implements MessageStore {
  /** The exact expiry (now + TTL at the last append) while awake; the stored one after a wake. */
  private exact: number | null | undefined;
  /** The stored expiry (undefined: not read since the wake). */
  private stored: number | null | undefined;

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
    // INSERT OR REPLACE: a retried seq replaces a partially written tail (port contract).
    for (const m of messages) {
      this.sql.exec(`INSERT OR REPLACE INTO hot_messages (seq, json) VALUES (?, ?)`, m.seq, JSON.stringify(m));
    }
    this.refreshExpiry(this.now() + this.ttlHours * 3_600_000);
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

  /** When the list expires (ms since the epoch), or null when nothing is stored. */
  expiresAt(): number | null {
    return this.exact ?? this.storedExpiry();
  }

  /** The expiry as stored: at most EXPIRY_SLACK_MS after the exact one. */
  private storedExpiry(): number | null {
    if (this.stored === undefined) {
      this.stored = this.sql.exec<{ value: number }>(`SELECT value FROM hot_meta WHERE key = 'expires_at'`).toArray()[0]?.value ?? null;
    }
    return this.stored;
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
    this.exact = this.stored = null;
  }

  private refreshExpiry(atMs: number): void {
    this.exact = Math.floor(atMs);
    const stored = this.storedExpiry();
    if (stored !== null && stored >= this.exact) return;
    this.stored = this.exact + EXPIRY_SLACK_MS;
    this.sql.exec(
      `INSERT INTO hot_meta (key, value) VALUES ('expires_at', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      this.stored,
    );
  }
}
