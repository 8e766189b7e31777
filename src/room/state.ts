import type { ChatMessage, Consultation } from "../domain/types";
import type { ReadReceipt } from "../protocol/frames";

/**
 * The room's own durable state in its Durable Object SQLite: what must survive hibernation
 * and eviction (DESIGN.md, decision 2). Every method is synchronous: SQLite in a Durable
 * Object is local, so reading and writing here never opens the input gate, and the room's
 * checks-then-writes cannot interleave with another event.
 *
 * - meta: the room's requestIdx, its last known consultation, the sealed flag, the last
 *   stored seq, and the activity not yet reported to the repository;
 * - client_msgs: the clientMsgId index (sender + clientMsgId -> id, seq) for dedupe;
 * - reads: per participant, the last read seq and when.
 */
export class RoomState {
  /** Read-through copy of the stored consultation (undefined: not loaded since the wake). */
  private cached: Consultation | null | undefined;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS room_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    sql.exec(
      `CREATE TABLE IF NOT EXISTS client_msgs (sender TEXT NOT NULL, client_msg_id TEXT NOT NULL, id TEXT NOT NULL,
         seq INTEGER NOT NULL, PRIMARY KEY (sender, client_msg_id))`,
    );
    sql.exec(`CREATE TABLE IF NOT EXISTS reads (user_code TEXT PRIMARY KEY, up_to_seq INTEGER NOT NULL, read_at TEXT NOT NULL)`);
  }

  get requestIdx(): number | null {
    const v = this.get("request_idx");
    return v === null ? null : Number(v);
  }

  /** The consultation as the room last saw it (null before the Worker first told it). */
  get consultation(): Consultation | null {
    if (this.cached === undefined) {
      const v = this.get("consultation");
      this.cached = v === null ? null : (JSON.parse(v) as Consultation);
    }
    return this.cached;
  }

  /**
   * Keeps the newer of the stored and the given consultation (by `updatedAt`): a connect
   * may carry a row read before the room itself moved it on (first message → IN_PROGRESS).
   */
  rememberConsultation(c: Consultation): Consultation {
    const known = this.consultation;
    if (known && known.requestIdx === c.requestIdx && known.updatedAt > c.updatedAt) return known;
    this.set("request_idx", String(c.requestIdx));
    this.set("consultation", JSON.stringify(c));
    this.cached = c;
    return c;
  }

  get sealed(): boolean {
    return this.get("sealed") === "1";
  }

  set sealed(value: boolean) {
    this.set("sealed", value ? "1" : "0");
  }

  /** The seq of the newest stored message (0 before the first). */
  get lastSeq(): number {
    return Number(this.get("last_seq") ?? 0);
  }

  /** The seq of the "ended" SYSTEM message, so a retried end does not store a second one. */
  get endedSeq(): number | null {
    const v = this.get("ended_seq");
    return v === null ? null : Number(v);
  }

  set endedSeq(seq: number) {
    this.set("ended_seq", String(seq));
  }

  /** The clientMsgId index entry of a stored message of `sender`, if any. */
  findClientMsg(sender: string, clientMsgId: string): { id: string; seq: number } | null {
    return (
      this.sql
        .exec<{ id: string; seq: number }>(`SELECT id, seq FROM client_msgs WHERE sender = ? AND client_msg_id = ?`, sender, clientMsgId)
        .toArray()[0] ?? null
    );
  }

  /** Records a stored batch: the dedupe index, the last seq and the pending activity. */
  recordStored(batch: readonly ChatMessage[]): void {
    for (const m of batch) {
      if (m.clientMsgId !== null) {
        this.sql.exec(
          `INSERT OR REPLACE INTO client_msgs (sender, client_msg_id, id, seq) VALUES (?, ?, ?, ?)`,
          m.sender,
          m.clientMsgId,
          m.id,
          m.seq,
        );
      }
    }
    this.noteFirstResponse(batch);
    const last = batch[batch.length - 1];
    if (!last) return;
    this.set("last_seq", String(last.seq));
    this.set("activity_at", last.sentAt);
  }

  /** Activity not yet written to the repository, or null when it is all reported. */
  pendingActivity(): { at: string; messageCount: number } | null {
    const at = this.get("activity_at");
    const count = this.lastSeq;
    if (at === null || Number(this.get("activity_reported_seq") ?? 0) >= count) return null;
    return { at, messageCount: count };
  }

  markActivityReported(messageCount: number): void {
    this.set("activity_reported_seq", String(messageCount));
  }

  /**
   * The recipient's first NORMAL/FILE message after the start (for the first-response
   * metric), kept until reported. Once per consultation: a transfer does not reset it, so
   * a new recipient's first message counts only when nobody had answered before.
   */
  private noteFirstResponse(batch: readonly ChatMessage[]): void {
    const c = this.consultation;
    if (!c?.startedAt || c.recipientUserCode === null) return;
    const first = batch.find((m) => (m.type === "NORMAL" || m.type === "FILE") && m.sender === c.recipientUserCode);
    // The stored key is read only when the recipient wrote in this batch.
    if (first && this.get("first_response_at") === null) this.set("first_response_at", first.sentAt);
  }

  /** The recorded first response not yet written to the repository, or null. */
  pendingFirstResponse(): string | null {
    return this.get("first_response_reported") === "1" ? null : this.get("first_response_at");
  }

  markFirstResponseReported(): void {
    this.set("first_response_reported", "1");
  }

  /** Moves `userCode`'s read mark forward (never back); returns the receipt if it moved. */
  markRead(userCode: string, upToSeq: number, readAt: string): ReadReceipt | null {
    const row = this.sql
      .exec<{ up_to_seq: number }>(
        `INSERT INTO reads (user_code, up_to_seq, read_at) VALUES (?, ?, ?)
         ON CONFLICT (user_code) DO UPDATE SET up_to_seq = excluded.up_to_seq, read_at = excluded.read_at
           WHERE excluded.up_to_seq > reads.up_to_seq
         RETURNING up_to_seq`,
        userCode,
        upToSeq,
        readAt,
      )
      .toArray()[0];
    return row ? { userCode, upToSeq, readAt } : null;
  }

  reads(): ReadReceipt[] {
    return this.sql
      .exec<{ user_code: string; up_to_seq: number; read_at: string }>(`SELECT user_code, up_to_seq, read_at FROM reads ORDER BY user_code`)
      .toArray()
      .map((r) => ({ userCode: r.user_code, upToSeq: r.up_to_seq, readAt: r.read_at }));
  }

  private get(key: string): string | null {
    return this.sql.exec<{ value: string }>(`SELECT value FROM room_meta WHERE key = ?`, key).toArray()[0]?.value ?? null;
  }

  private set(key: string, value: string): void {
    this.sql.exec(`INSERT INTO room_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value);
  }
}
