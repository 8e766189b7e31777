import type { ChatMessage, Consultation } from "../domain/types";
import { countsAsUnread, lastMessageOf } from "../protocol/inbox-frames";
import type { RoomServices } from "./room-services";

/** What the room lends its inbox notices. */
export interface NoticeHost {
  /** The inbox client of the composition root. */
  inboxes: RoomServices["inboxes"];
  consultation(): Consultation | null;
  lastSeq(): number;
  /** The room's messages with seq > afterSeq, oldest first. */
  list(afterSeq: number): Promise<ChatMessage[]>;
  background(task: () => Promise<void>): void;
}

/**
 * The room's side of the live inbox (SPEC section 9): each participant's unread count and
 * the notices to their inboxes.
 *
 * Unread = NORMAL/FILE messages from the other side above the participant's read mark. The
 * room keeps it as one counter per participant in its SQLite, moved per stored batch (one
 * statement per batch, not per message) and reset by reads, so answering `unreadFor` or
 * filling an activity notice never reads messages. Only a read that stops short of the
 * newest message recounts from the store, which is rare (the app reads what it shows).
 */
export class RoomInboxNotices {
  /** Recounts in flight: per user, a version (a newer read supersedes) and the count stored since it began. */
  private readonly recounts = new Map<string, { version: number; since: number }>();
  private version = 0;
  /** Write-through copy of the counters, so a batch costs one statement, not a read per participant. */
  private readonly cache = new Map<string, number>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly host: NoticeHost,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS unread_counts (user_code TEXT PRIMARY KEY, n INTEGER NOT NULL)`);
  }

  unreadFor(userCode: string): number {
    let n = this.cache.get(userCode);
    if (n === undefined) {
      n = this.sql.exec<{ n: number }>(`SELECT n FROM unread_counts WHERE user_code = ?`, userCode).toArray()[0]?.n ?? 0;
      this.cache.set(userCode, n);
    }
    return n;
  }

  /** After a stored batch (seq order): count it for the other side, then tell both inboxes. */
  stored(batch: readonly ChatMessage[]): void {
    const c = this.host.consultation();
    const last = batch[batch.length - 1];
    if (!c || !last) return;
    const participants = [c.requesterUserCode, c.recipientUserCode].filter((u): u is string => u !== null);
    for (const userCode of participants) {
      const added = batch.filter((m) => countsAsUnread(m) && m.sender !== userCode).length;
      if (added === 0) continue;
      this.add(userCode, added);
      const recount = this.recounts.get(userCode);
      if (recount) recount.since += added;
    }
    const notice = { requestIdx: c.requestIdx, lastSeq: last.seq, lastMessage: lastMessageOf(last) };
    const recipients = participants.map((userCode) => ({ userCode, unread: this.unreadFor(userCode) }));
    this.host.background(() => this.host.inboxes.roomActivity(notice, recipients));
  }

  /** `userCode`'s read mark moved to `upToSeq`: reset or recount, and tell their inbox if it fell. */
  read(userCode: string, upToSeq: number): void {
    const before = this.unreadFor(userCode);
    const lastSeq = this.host.lastSeq();
    if (upToSeq >= lastSeq) {
      this.recounts.delete(userCode);
      this.set(userCode, 0);
      if (before > 0) this.tell(userCode, 0);
      return;
    }
    const version = ++this.version;
    this.recounts.set(userCode, { version, since: 0 });
    this.host.background(async () => {
      const messages = await this.host.list(upToSeq);
      const recount = this.recounts.get(userCode);
      if (recount?.version !== version) return; // a newer read decides
      this.recounts.delete(userCode);
      const upTo = messages.filter((m) => m.seq <= lastSeq && countsAsUnread(m) && m.sender !== userCode).length;
      const now = upTo + recount.since;
      const current = this.unreadFor(userCode);
      this.set(userCode, now);
      if (now < current) this.tell(userCode, now);
    });
  }

  private tell(userCode: string, unread: number): void {
    const c = this.host.consultation();
    if (c) this.host.background(() => this.host.inboxes.unreadChanged(userCode, c.requestIdx, unread));
  }

  private add(userCode: string, n: number): void {
    this.cache.set(userCode, this.unreadFor(userCode) + n);
    this.sql.exec(
      `INSERT INTO unread_counts (user_code, n) VALUES (?, ?) ON CONFLICT (user_code) DO UPDATE SET n = n + excluded.n`,
      userCode,
      n,
    );
  }

  private set(userCode: string, n: number): void {
    this.cache.set(userCode, n);
    this.sql.exec(`INSERT INTO unread_counts (user_code, n) VALUES (?, ?) ON CONFLICT (user_code) DO UPDATE SET n = excluded.n`, userCode, n);
  }
}
