import type { ChatMessage } from "../../domain/types";

/**
 * The hot store of one room's messages (SPEC section 5): a list in `seq` order whose TTL
 * (`CHAT_TTL_HOURS`) is refreshed on every append. Adapters: the room's own DO SQLite
 * (embedded) and Upstash Redis (`chat:room:{requestIdx}`).
 *
 * Only the room's Durable Object writes. It calls `append` from one queue, in `seq`
 * order, so an adapter need not order concurrent appends itself. Failures throw; a failed
 * append stored nothing (or the room retries the same seqs, which adapters must accept
 * as a replacement of any partially written tail, see each adapter). An append replaces
 * every stored message from its first seq on: after a crash between the store's write and
 * the room's record, the room hands those seqs to the messages it then stores.
 */
export interface MessageStore {
  /** Appends a batch (ascending `seq`, continuing the stored list) and refreshes the TTL. */
  append(requestIdx: number, messages: readonly ChatMessage[]): Promise<void>;
  /** Every stored message, oldest first; `afterSeq` keeps seq > afterSeq, `last` the newest N. */
  list(requestIdx: number, options?: { afterSeq?: number; last?: number }): Promise<ChatMessage[]>;
  count(requestIdx: number): Promise<number>;
  /** Deletes the room's messages (after archiving). */
  clear(requestIdx: number): Promise<void>;
}

/** What the room needs to run the TTL of a store that cannot expire keys by itself. */
export interface LocalExpiry {
  expiresAt(): number | null;
  expireIfDue(): boolean;
}

/** A room's MessageStore as the composition root builds it (src/config/services.ts). */
export interface RoomMessageStore {
  store: MessageStore;
  /** Set for the embedded adapter only: the room's alarm enforces its TTL. Redis expires keys itself. */
  localExpiry: LocalExpiry | null;
  /**
   * True when `append` writes the room's log itself (the embedded adapter: its hot list IS
   * the room's log, ROOM_LOG_SCHEMA), so the room adds nothing more per message
   * (DESIGN.md decisions 7 and 9). False for Redis: the room logs each stored batch.
   */
  writesRoomLog: boolean;
}

/**
 * The room's log table in its Durable Object SQLite: every stored message until the final
 * archive (DESIGN.md decision 7). Shared by the room (src/room/archive-log.ts) and the
 * embedded adapter (sqlite.ts), whose hot list is a view of it, so one row per message
 * serves both. The dedupe index is read from the same rows (`json`), once per wake.
 */
export const ROOM_LOG_SCHEMA = `CREATE TABLE IF NOT EXISTS archive_log (seq INTEGER PRIMARY KEY, json TEXT NOT NULL)`;

/** Durable Object SQLite binds at most 100 parameters per statement: two per log row. */
const LOG_ROWS_PER_STATEMENT = 50;

/** Writes messages into the room's log: ONE statement per 50 messages; a seq already logged is replaced. */
export function writeRoomLog(sql: SqlStorage, messages: readonly ChatMessage[]): void {
  for (let i = 0; i < messages.length; i += LOG_ROWS_PER_STATEMENT) {
    const chunk = messages.slice(i, i + LOG_ROWS_PER_STATEMENT);
    sql.exec(
      `INSERT OR REPLACE INTO archive_log (seq, json) VALUES ${chunk.map(() => "(?, ?)").join(", ")}`,
      ...chunk.flatMap((m) => [m.seq, JSON.stringify(m)]),
    );
  }
}
