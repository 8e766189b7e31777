import type { ChatMessage, Consultation } from "../domain/types";
import type { ReadReceipt } from "../protocol/frames";
import type { ArchiveLog } from "./archive-log";

/**
 * Bookkeeping a part keeps in the room's meta table (rate buckets, unread counters, a
 * pending start): set in memory, then written with the next statement on that table,
 * which may come many stored batches later (a checkpoint, see RoomState), or at once by
 * `flushKept`. What the stored messages determine (a taken token, an unread message) may
 * wait: a part rebuilds it at construction by replaying `sinceKept`, the messages stored
 * after the written values. Anything else a part keeps must be flushed before it matters.
 */
export interface Bookkeeping {
  kept(key: string): string | null;
  keep(key: string, value: string): void;
  flushKept(): void;
  /** The stored messages the written bookkeeping does not cover yet (read once per wake), oldest first. */
  readonly sinceKept: readonly ChatMessage[];
}

/**
 * The room's own durable state in its Durable Object SQLite: what must survive hibernation
 * and eviction (DESIGN.md, decision 2). Every method is synchronous: SQLite in a Durable
 * Object is local, so reading and writing here never opens the input gate, and the room's
 * checks-then-writes cannot interleave with another event.
 *
 * The room is the only writer of these tables, so they are read once per wake (the meta
 * table at construction, the dedupe index at the first lookup) and then served from
 * memory (DESIGN.md, decision 9).
 *
 * A stored batch writes nothing here. Its log row (archive-log.ts, written in the same
 * synchronous step, before any ack) is its dedupe key, and with the rows after the meta
 * table's checkpoint (`last_seq`: the seq its bookkeeping covers) it is the record of
 * the room's tail: at construction the last seq and activity come from those rows, and
 * the parts replay them (`sinceKept`: tokens taken, unread messages). The checkpoint
 * moves with any meta write (a read, an activity report, a status change) and at least
 * every CHECKPOINT_EVERY messages, so a wake replays few rows.
 *
 * - meta: the room's requestIdx, its last known consultation, the sealed flag, the last
 *   stored seq, the activity not yet reported to the repository, and the parts'
 *   bookkeeping (Bookkeeping above);
 * - the clientMsgId index (sender + clientMsgId -> id, seq) for dedupe: read from the
 *   room's log (every stored message's row, archive-log.ts), so no row of its own per
 *   message; the legacy client_msgs table (rooms that stored before) is read with it;
 * - reads: per participant, the last read seq and when.
 */
export class RoomState implements Bookkeeping {
  /** Read-through copy of the stored consultation (undefined: not loaded since the wake). */
  private cached: Consultation | null | undefined;
  /** The meta table, as stored (loaded at construction, written through). */
  private readonly meta = new Map<string, string>();
  /** Bookkeeping keys changed in memory and not yet written. */
  private readonly dirty = new Set<string>();
  /** The dedupe index (null: not loaded since the wake). */
  private clientMsgs: Map<string, { id: string; seq: number }> | null = null;
  /** The checkpoint as stored: the seq of the last message the written meta covers. */
  private keptSeq: number;
  readonly sinceKept: readonly ChatMessage[];

  constructor(
    private readonly sql: SqlStorage,
    private readonly log: Pick<ArchiveLog, "clientMsgs" | "list">,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS room_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    sql.exec(
      `CREATE TABLE IF NOT EXISTS client_msgs (sender TEXT NOT NULL, client_msg_id TEXT NOT NULL, id TEXT NOT NULL,
         seq INTEGER NOT NULL, PRIMARY KEY (sender, client_msg_id))`,
    );
    sql.exec(`CREATE TABLE IF NOT EXISTS reads (user_code TEXT PRIMARY KEY, up_to_seq INTEGER NOT NULL, read_at TEXT NOT NULL)`);
    for (const row of sql.exec<{ key: string; value: string }>(`SELECT key, value FROM room_meta`)) this.meta.set(row.key, row.value);
    this.keptSeq = this.lastSeq;
    this.sinceKept = log.list({ afterSeq: this.keptSeq });
    this.noteTail(this.sinceKept);
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
    const json = JSON.stringify(c);
    // Every connect brings the row: write only what changed.
    if (this.get("consultation") !== json || this.get("request_idx") !== String(c.requestIdx)) {
      this.meta.set("request_idx", String(c.requestIdx));
      this.meta.set("consultation", json);
      this.writeMeta(["request_idx", "consultation"]);
    }
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
    // Nothing stored yet (a room's first message): nothing to read.
    if (!this.clientMsgs && this.lastSeq === 0) this.clientMsgs = new Map();
    if (!this.clientMsgs) {
      this.clientMsgs = new Map();
      for (const r of this.sql.exec<{ sender: string; client_msg_id: string; id: string; seq: number }>(`SELECT sender, client_msg_id, id, seq FROM client_msgs`)) {
        this.clientMsgs.set(clientMsgKey(r.sender, r.client_msg_id), { id: r.id, seq: r.seq });
      }
      for (const r of this.log.clientMsgs()) this.clientMsgs.set(clientMsgKey(r.sender, r.clientMsgId), { id: r.id, seq: r.seq });
    }
    return this.clientMsgs.get(clientMsgKey(sender, clientMsgId)) ?? null;
  }

  /**
   * Records a stored batch (already in the room's log, which is also its dedupe index and
   * the record of the tail): in memory, no statement, except the checkpoint once
   * CHECKPOINT_EVERY messages went by without one. Runs in the turn the batch was
   * stored in, before its acks leave.
   */
  recordStored(batch: readonly ChatMessage[]): void {
    for (const m of batch) {
      if (m.clientMsgId !== null) this.clientMsgs?.set(clientMsgKey(m.sender, m.clientMsgId), { id: m.id, seq: m.seq });
    }
    this.noteTail(batch);
    if (this.lastSeq - this.keptSeq >= CHECKPOINT_EVERY) this.writeMeta([]);
  }

  /** Stored messages (a batch, or the log's rows after the checkpoint): the tail moves, the first response is noted. */
  private noteTail(messages: readonly ChatMessage[]): void {
    const last = messages[messages.length - 1];
    if (!last) return;
    this.keep("last_seq", String(last.seq));
    this.keep("activity_at", last.sentAt);
    this.noteFirstResponse(messages);
  }

  kept(key: string): string | null {
    return this.meta.get(key) ?? null;
  }

  keep(key: string, value: string): void {
    this.meta.set(key, value);
    this.dirty.add(key);
  }

  flushKept(): void {
    if (this.dirty.size) this.writeMeta([]);
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
    // The stored key is read only when the recipient wrote in this batch. Kept like the
    // tail: the rows after the checkpoint hold that message, so a wake notes it again.
    if (first && this.get("first_response_at") === null) this.keep("first_response_at", first.sentAt);
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
    return this.meta.get(key) ?? null;
  }

  private set(key: string, value: string): void {
    this.meta.set(key, value);
    this.writeMeta([key]);
  }

  /**
   * One upsert of `keys` and of every kept key not yet written (their values in memory): a
   * single statement up to META_ROWS_PER_STATEMENT keys. Bookkeeping rides on any meta write.
   */
  private writeMeta(keys: readonly string[]): void {
    const unique = [...new Set([...keys, ...this.dirty])];
    for (let i = 0; i < unique.length; i += META_ROWS_PER_STATEMENT) {
      const chunk = unique.slice(i, i + META_ROWS_PER_STATEMENT);
      const values: string[] = [];
      for (const k of chunk) values.push(k, this.meta.get(k)!);
      this.sql.exec(
        `INSERT INTO room_meta (key, value) VALUES ${chunk.map(() => "(?, ?)").join(", ")} ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        ...values,
      );
    }
    for (const k of unique) this.dirty.delete(k);
    if (unique.includes("last_seq")) this.keptSeq = this.lastSeq;
  }
}

/**
 * At most this many stored messages between two checkpoints: a wake replays at most
 * this many rows (a fraction of a millisecond each), and a busy room writes its meta once
 * per this many messages even when nothing else does.
 */
export const CHECKPOINT_EVERY = 100;

/** Durable Object SQLite binds at most 100 parameters per statement: two per row. */
const META_ROWS_PER_STATEMENT = 50;

function clientMsgKey(sender: string, clientMsgId: string): string {
  return `${sender}\u0000${clientMsgId}`;
}
