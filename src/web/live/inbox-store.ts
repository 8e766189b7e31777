import type { InboxConsultation, InboxServerFrame, LastMessage, QueueItem } from "../../protocol/inbox-frames";

/**
 * The tab's live view of the inbox socket (SPEC section 9), rebuilt by every `ready`:
 * the user's consultations (live ones from `ready`, any later change from `consultation`
 * frames), server-side unread counts, each room's last message, and (counselors) the
 * queues. Pure state, no I/O, so it can be tested without a browser.
 */
export class InboxStore {
  ready = false;
  readonly consultations = new Map<number, InboxConsultation>();
  readonly unread = new Map<number, number>();
  readonly lastMessages = new Map<number, LastMessage & { lastSeq: number }>();
  readonly queues = new Map<string, QueueItem[]>();

  /** Applies one frame; frames before the first `ready` are dropped (`ready` includes them). */
  apply(frame: InboxServerFrame): boolean {
    switch (frame.type) {
      case "ready":
        this.ready = true;
        this.consultations.clear();
        for (const c of frame.consultations) this.consultations.set(c.requestIdx, c);
        this.unread.clear();
        for (const [id, n] of Object.entries(frame.unread)) this.unread.set(Number(id), n);
        this.queues.clear();
        for (const [category, items] of Object.entries(frame.queue ?? {})) this.queues.set(category, items);
        return true;
      case "consultation": {
        if (!this.ready) return false;
        const known = this.consultations.get(frame.consultation.requestIdx);
        // Notices may overtake each other: keep the newer row (queue places change without updatedAt).
        if (known && known.updatedAt > frame.consultation.updatedAt) return false;
        this.consultations.set(frame.consultation.requestIdx, frame.consultation);
        return true;
      }
      case "activity": {
        if (!this.ready) return false;
        const known = this.lastMessages.get(frame.requestIdx);
        if (known && known.lastSeq >= frame.lastSeq) return false;
        this.lastMessages.set(frame.requestIdx, { ...frame.lastMessage, lastSeq: frame.lastSeq });
        this.unread.set(frame.requestIdx, frame.unread);
        return true;
      }
      case "unread":
        if (!this.ready) return false;
        this.unread.set(frame.requestIdx, frame.unread);
        return true;
      case "queue":
        if (!this.ready) return false;
        this.queues.set(frame.category, frame.items);
        return true;
      default:
        return false;
    }
  }

  unreadOf(requestIdx: number): number {
    return this.unread.get(requestIdx) ?? 0;
  }

  /** Every waiting item of every category, oldest first. */
  allQueued(): QueueItem[] {
    return [...this.queues.values()].flat().sort((a, b) => (a.waitingSince < b.waitingSince ? -1 : a.waitingSince > b.waitingSince ? 1 : a.requestIdx - b.requestIdx));
  }
}
