import type { Config } from "../config";
import type { MessageStore } from "../stores/message-store/port";
import { SqliteMessageStore } from "../stores/message-store/sqlite";
import { UpstashMessageStore } from "../stores/message-store/upstash";

/** What the room needs to run the TTL of a store that cannot expire keys by itself. */
export interface LocalExpiry {
  expiresAt(): number | null;
  expireIfDue(): boolean;
}

export interface RoomMessageStore {
  store: MessageStore;
  /** Set for the embedded adapter only: the room's alarm enforces its TTL. Redis expires keys itself. */
  localExpiry: LocalExpiry | null;
}

/**
 * The one place that picks a room's MessageStore adapter from the config: Upstash Redis
 * when `config.upstash` is set, else the embedded default in the room's own SQLite
 * storage (built inside the Durable Object, hence `sql`).
 */
export function buildMessageStore(config: Config, sql: SqlStorage): RoomMessageStore {
  if (config.upstash) {
    return { store: new UpstashMessageStore({ ...config.upstash, ttlHours: config.chatTtlHours }), localExpiry: null };
  }
  const embedded = new SqliteMessageStore(sql, config.chatTtlHours);
  return { store: embedded, localExpiry: embedded };
}
