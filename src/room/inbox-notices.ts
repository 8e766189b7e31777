import { nextMacrotask } from "../domain/macrotask";
import type { ChatMessage, Consultation } from "../domain/types";
import { countsAsUnread, lastMessageOf, type UnreadState } from "../protocol/inbox-frames";
import type { RoomServices } from "./room-services";
import type { Bookkeeping } from "./state";

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
 * room keeps it as one counter per participant in its meta table (RoomState's Bookkeeping),
 * moved per stored batch in memory and written with the room's next checkpoint (no
 * statement of its own; a wake counts the messages stored after it again, `sinceKept`),
 * reset by reads (written at once), so answering `unreadFor` or filling an activity
 * notice never reads messages. Only a read that stops short of the
 * newest message recounts from the store, which is rare (the app reads what it shows).
 *
 * Notices go only to inboxes that may have a socket open: an inbox answers a notice with
 * whether it has one, and a participant whose inbox has none is left out until their inbox
 * connects again (its `ready` asks every open room for the unread count with `inboxOpen`,
 * see `inboxOpened`). That keeps the room's hot path free of RPCs nobody receives. The
 * flag is kept in the meta table (written when it changes: an inbox opened or closed, or
 * an answer renewed after CLOSED_TRUSTED_MS; never per message), so a room woken from
 * hibernation does not wake both inboxes again just to learn what it knew: in a slow
 * conversation the room hibernates between messages, and each of those RPCs woke an
 * inbox object for nothing. A notice's
 * "none open" answer only counts if no `inboxOpened` came since it was sent (`opened`);
 * an inbox that connects always reaches the room (`inboxOpened`), hibernated or not.
 *
 * Activity notices leave a macrotask after their batch, so the frames already queued in
 * this isolate (the next sends, other rooms' first messages) are answered before the RPCs
 * are made. Notices may then overtake each other or an inbox's `ready`; every count the
 * room hands out carries a version from its notice clock (`tick`), which the inbox orders
 * them by (src/inbox/notice-order.ts).
 */
export class RoomInboxNotices {
  /** Recounts in flight: per user, a version (a newer read supersedes) and the count stored since it began. */
  private readonly recounts = new Map<string, { version: number; since: number }>();
  private version = 0;
  /** Per participant: how many times their inbox said it opened (orders answers against opens). */
  private readonly opened = new Map<string, number>();
  /** The notice clock's last value (see tick). */
  private clock = 0;
  constructor(
    private readonly book: Bookkeeping,
    private readonly host: NoticeHost,
  ) {
    this.count(book.sinceKept);
  }

  unreadFor(userCode: string): number {
    return Number(this.book.kept(keyOf(userCode)) ?? 0);
  }

  /** After a stored batch (seq order), before the room records it: count it for the other side. */
  count(batch: readonly ChatMessage[]): void {
    const c = this.host.consultation();
    if (!c) return;
    for (const userCode of participantsOf(c)) {
      const added = batch.filter((m) => countsAsUnread(m) && m.sender !== userCode).length;
      if (added === 0) continue;
      this.book.keep(keyOf(userCode), String(this.unreadFor(userCode) + added));
      const recount = this.recounts.get(userCode);
      if (recount) recount.since += added;
    }
  }

  /** `userCode`'s inbox connected (its `ready` asks this room): it gets notices again, and the count as of now. */
  inboxOpened(userCode: string): UnreadState {
    this.opened.set(userCode, (this.opened.get(userCode) ?? 0) + 1);
    this.markClosed([userCode], false);
    return { unread: this.unreadFor(userCode), lastSeq: this.host.lastSeq(), version: this.tick() };
  }

  /** After a stored batch is counted and delivered: tell the participants' inboxes. */
  stored(batch: readonly ChatMessage[]): void {
    const c = this.host.consultation();
    const last = batch[batch.length - 1];
    if (!c || !last) return;
    const participants = participantsOf(c).filter((userCode) => !this.isClosed(userCode));
    if (participants.length === 0) return;
    const notice = { requestIdx: c.requestIdx, lastSeq: last.seq, lastMessage: lastMessageOf(last), version: this.tick() };
    const recipients = participants.map((userCode) => ({ userCode, unread: this.unreadFor(userCode), opened: this.opened.get(userCode) ?? 0 }));
    this.host.background(async () => {
      await nextMacrotask();
      const closed = new Set(await this.host.inboxes.roomActivity(notice, recipients));
      const learned = recipients.filter((r) => closed.has(r.userCode) && (this.opened.get(r.userCode) ?? 0) === r.opened);
      this.markClosed(learned.map((r) => r.userCode), true);
    });
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
    if (!c || this.isClosed(userCode)) return;
    const version = this.tick();
    this.host.background(() => this.host.inboxes.unreadChanged(userCode, c.requestIdx, unread, version));
  }

  /**
   * The notice clock: a version for each count handed out, later than every earlier one.
   * The wall clock in ms, moved past the last value when several fall in one millisecond;
   * a woken room (clock 0) starts from the wall clock, which has moved on since any
   * version its earlier life handed out, so nothing needs storing.
   */
  private tick(): number {
    this.clock = Math.max(this.clock + 1, Date.now());
    return this.clock;
  }

  /**
   * Whether `userCode`'s inbox had no socket open at their last notice, at most
   * CLOSED_TRUSTED_MS ago, and has not connected since. The bound is for the rare open
   * that did not reach this room (its `inboxOpened` failed): the room asks again soon.
   */
  private isClosed(userCode: string): boolean {
    const since = Number(this.book.kept(closedKeyOf(userCode)) ?? 0);
    return since > 0 && Date.now() - since < CLOSED_TRUSTED_MS;
  }

  /**
   * Written at once (one statement) when it changes: an inbox opened or closed, never per
   * message. At once, because a room may hibernate right after: a lost "opened" would
   * leave a connected inbox without notices, a lost "closed" would only cost an RPC.
   */
  private markClosed(userCodes: readonly string[], closed: boolean): void {
    const changed = userCodes.filter((u) => this.isClosed(u) !== closed);
    if (changed.length === 0) return;
    for (const u of changed) this.book.keep(closedKeyOf(u), closed ? String(Date.now()) : "0");
    this.book.flushKept();
  }

  /** A read moved the count: written at once (reads are not the send path). */
  private set(userCode: string, n: number): void {
    this.book.keep(keyOf(userCode), String(n));
    this.book.flushKept();
  }
}

const keyOf = (userCode: string) => `unread:${userCode}`;
const closedKeyOf = (userCode: string) => `inbox_closed:${userCode}`;
/** How long a "no socket open" answer is trusted (then one more notice asks again). */
const CLOSED_TRUSTED_MS = 5 * 60_000;

function participantsOf(c: Consultation): string[] {
  return [c.requesterUserCode, c.recipientUserCode].filter((u): u is string => u !== null);
}
