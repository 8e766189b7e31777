/**
 * The frames a test client received, and waits on them that end only when their
 * condition holds (no timing assumptions). Shared by the workerd client
 * (test/support/sockets.ts) and the Node one (test/node/support/ws-client.ts); each feeds
 * it from its socket's events.
 */
export type Frame = { type: string; [key: string]: any };

export class FrameLog {
  readonly frames: Frame[] = [];
  closeEvent: { code: number; reason: string } | null = null;
  /** Indexes of frames already returned by `next`. */
  private readonly taken = new Set<number>();
  private waiters: Array<() => void> = [];

  /**
   * @param rearmMs workerd only delivers a WebSocket event to a test that is waiting on
   *   I/O, so there each wait also re-arms after this many ms (not a deadline).
   */
  constructor(private readonly rearmMs: number | null = null) {}

  protected received(frame: Frame): void {
    this.frames.push(frame);
    this.wake();
  }

  protected closedWith(code: number, reason: string): void {
    this.closeEvent = { code, reason };
    this.wake();
  }

  /** Waits for the oldest matching frame not yet returned by `next`; returns it. */
  async next(match: string | ((f: Frame) => boolean) = () => true): Promise<Frame> {
    const pred = typeof match === "string" ? (f: Frame) => f.type === match : match;
    for (;;) {
      const i = this.frames.findIndex((f, idx) => !this.taken.has(idx) && pred(f));
      if (i >= 0) {
        this.taken.add(i);
        return this.frames[i]!;
      }
      if (this.closeEvent) throw new Error(`socket closed (${this.closeEvent.code}) while waiting; frames: ${JSON.stringify(this.frames)}`);
      await this.changed();
    }
  }

  /** Waits until `count` frames of `type` arrived in total; returns all of them. */
  async all(type: string, count: number): Promise<Frame[]> {
    for (;;) {
      const found = this.frames.filter((f) => f.type === type);
      if (found.length >= count) return found;
      if (this.closeEvent) throw new Error(`socket closed (${this.closeEvent.code}) with ${found.length}/${count} ${type} frames`);
      await this.changed();
    }
  }

  /** Waits until `done(frames)` holds. */
  async until(done: (frames: Frame[]) => boolean, what = "condition"): Promise<void> {
    while (!done(this.frames)) {
      if (this.closeEvent) throw new Error(`socket closed (${this.closeEvent.code}) before ${what}`);
      await this.changed();
    }
  }

  /** Waits for the ack or error of each of `clientMsgIds` (the first one for each); returns them in that order. */
  async results(clientMsgIds: readonly string[]): Promise<Frame[]> {
    const of = (id: string) => this.frames.find((f) => (f.type === "ack" || f.type === "error") && f.clientMsgId === id);
    await this.until(() => clientMsgIds.every((id) => of(id) !== undefined), "every result");
    return clientMsgIds.map((id) => of(id)!);
  }

  async closed(): Promise<{ code: number; reason: string }> {
    while (!this.closeEvent) await this.changed();
    return this.closeEvent;
  }

  /** Resolves on the next frame or close. */
  private changed(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      if (this.rearmMs !== null) setTimeout(resolve, this.rearmMs);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
