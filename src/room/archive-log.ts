import type { ChatMessage } from "../domain/types";
import { ROOM_LOG_SCHEMA, writeRoomLog } from "../stores/message-store/port";

/**
 * The room's log, in its Durable Object SQLite: every stored message, written in the same
 * synchronous step that records it as stored (before its ack), and kept until the final
 * archive is written (DESIGN.md, decision 7). It is the room's record of its chat.
 *
 * Why it exists: the hot store has a TTL (`CHAT_TTL_HOURS`, 36 h by default, possibly far
 * shorter than the backup interval) and Redis drops an expired key by itself, so a room
 * can lose its hot messages and then carry on (or be ended). Every read of the room's
 * messages (GET messages, `sync`, the history download, snapshots, the final archive) is
 * served from this log, so nothing disappears from view or from the record when the hot
 * store expires (SPEC section 6). Messages, not transcript text, so nothing is parsed.
 *
 * On the embedded adapter the hot list is a view of this same table (its TTL only moves a
 * floor), so the adapter's one insert per message is the log row and nothing is copied;
 * with Redis the room adds each stored batch here (message-writer.ts), one statement.
 *
 * Synchronous like RoomState: local SQLite never opens the input gate.
 */
export class ArchiveLog {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(ROOM_LOG_SCHEMA);
    sql.exec(`CREATE TABLE IF NOT EXISTS archive_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`);
  }

  /** The newest logged seq (0 when the log is empty). */
  get lastSeq(): number {
    return this.sql.exec<{ seq: number | null }>(`SELECT MAX(seq) AS seq FROM archive_log`).one().seq ?? 0;
  }

  get count(): number {
    return this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM archive_log`).one().n;
  }

  /** Adds stored messages, 50 per statement; a seq already logged is replaced by the same message. */
  add(messages: readonly ChatMessage[]): void {
    writeRoomLog(this.sql, messages);
  }

  /**
   * The dedupe index (sender + clientMsgId -> id, seq) of every logged message that has a
   * clientMsgId, read from the rows themselves: the log row is the message's dedupe key,
   * so storing a message writes no separate index row. Read once per wake (RoomState).
   */
  clientMsgs(): { sender: string; clientMsgId: string; id: string; seq: number }[] {
    return this.sql
      .exec<{ sender: string; client_msg_id: string; id: string; seq: number }>(
        `SELECT seq, json_extract(json, '$.sender') AS sender, json_extract(json, '$.clientMsgId') AS client_msg_id,
           json_extract(json, '$.id') AS id FROM archive_log WHERE json_extract(json, '$.clientMsgId') IS NOT NULL`,
      )
      .toArray()
      .map((r) => ({ sender: r.sender, clientMsgId: r.client_msg_id, id: r.id, seq: r.seq }));
  }

  /** The logged messages in seq order; `afterSeq` keeps seq > afterSeq, `last` the newest N of those. */
  list(options: { afterSeq?: number; last?: number } = {}): ChatMessage[] {
    const after = options.afterSeq ?? 0;
    const rows =
      options.last !== undefined
        ? this.sql.exec<{ json: string }>(
            `SELECT json FROM (SELECT seq, json FROM archive_log WHERE seq > ? ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
            after,
            Math.max(0, options.last),
          )
        : this.sql.exec<{ json: string }>(`SELECT json FROM archive_log WHERE seq > ? ORDER BY seq`, after);
    return rows.toArray().map((r) => JSON.parse(r.json) as ChatMessage);
  }

  messages(): ChatMessage[] {
    return this.list();
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
