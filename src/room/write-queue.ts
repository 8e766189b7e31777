/**
 * The room's one write path to its MessageStore (DESIGN.md, decision 1).
 *
 * Items get their `seq` synchronously before they are queued, so queue order is seq
 * order. At most one batch is in flight: while it is, later items wait and are flushed
 * together as the next batch (one pipeline to a remote store). A remote `fetch` opens the
 * Durable Object's input gate, so sends interleave; this queue is what keeps the store in
 * seq order anyway.
 *
 * `onStored` runs synchronously for each stored batch, before any later batch starts, so
 * acks and broadcasts leave in seq order too. When a batch fails, that batch and every
 * item queued behind it are dropped together (`onDropped`, synchronously, before anyone
 * can queue again), so the room can hand their seqs out again: no gap ever appears.
 *
 * A `hold` keeps the next batch from starting until it is released, so items queued in
 * between go as one batch: the auto-start's "started" and the first message that caused
 * it are one write and one delivery (src/room/messages.ts).
 */
export interface WriteQueueHooks<T> {
  write(batch: readonly T[]): Promise<void>;
  onStored(batch: readonly T[]): void;
  onDropped(items: readonly T[], error: unknown): void;
}

interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class WriteQueue<T> {
  private waiting: Waiting<T>[] = [];
  private flushing: Promise<void> | null = null;
  private holds = 0;
  /** `idle` callers waiting for the holds to end while items wait. */
  private released: (() => void)[] = [];

  constructor(
    private readonly hooks: WriteQueueHooks<T>,
    private readonly maxBatch = 100,
  ) {}

  /** Resolves once `item` is stored (after `onStored`); rejects if it was dropped. */
  enqueue(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.holds === 0) this.flushing ??= this.drain();
    });
  }

  /**
   * Until the returned release is called (once is enough; later calls do nothing), no new
   * batch starts: what is queued meanwhile is written together (a batch already in
   * flight finishes; the next one waits). A holder releases before it awaits anything,
   * its own items' storage included.
   */
  hold(): () => void {
    this.holds++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--this.holds > 0) return;
      if (this.waiting.length > 0) this.flushing ??= this.drain();
      for (const wake of this.released.splice(0)) wake();
    };
  }

  /** Items not yet stored (queued or in flight). */
  get size(): number {
    return this.waiting.length;
  }

  /** Resolves when everything queued so far has been stored or dropped. */
  async idle(): Promise<void> {
    for (;;) {
      if (this.flushing) await this.flushing;
      else if (this.waiting.length > 0) await new Promise<void>((wake) => this.released.push(wake));
      else return;
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0 && this.holds === 0) {
        const batch = this.waiting.slice(0, this.maxBatch);
        try {
          await this.hooks.write(batch.map((w) => w.item));
        } catch (error) {
          const dropped = this.waiting;
          this.waiting = [];
          this.hooks.onDropped(
            dropped.map((w) => w.item),
            error,
          );
          for (const w of dropped) w.reject(error);
          return;
        }
        this.waiting.splice(0, batch.length);
        this.hooks.onStored(batch.map((w) => w.item));
        for (const w of batch) w.resolve();
      }
    } finally {
      this.flushing = null;
    }
  }
}
