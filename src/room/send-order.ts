/**
 * Keeps one sender's sends in the order they arrived while a FILE send waits for its
 * checks (the grant and the object, both I/O): a send that arrives behind it waits its
 * turn instead of overtaking it, so "photo, then 'see above'" is stored in that order.
 * A text send with nothing of its sender pending gets no turn at all (null): the common
 * path stays synchronous. Memory only: after a wake nothing is pending.
 */
export class SendOrder {
  private readonly tails = new Map<string, Promise<void>>();

  /**
   * `check` (null for a text send) runs after every earlier pending send of `sender` has
   * passed its own check; resolves to its result. null when there is nothing to wait for.
   */
  turn<T>(sender: string, check: (() => Promise<T>) | null): Promise<T | undefined> | null {
    const tail = this.tails.get(sender);
    if (!tail && !check) return null;
    const run = (async () => {
      if (tail) await tail;
      return check ? await check() : undefined;
    })();
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(sender, settled);
    void settled.then(() => {
      if (this.tails.get(sender) === settled) this.tails.delete(sender);
    });
    return run;
  }
}
