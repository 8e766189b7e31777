import { closeAll } from "./sockets";

/**
 * Closes the room starts itself (4001, 4003, 4009; SPEC section 14: every frame gets an
 * answer or a close, and the connection is gone within a second).
 *
 * Two things make that hold:
 *
 * 1. Grace before a close that follows a `status` frame. After `ws.close()` the runtime
 *    refuses every further send on that socket, so frames still on their way when the
 *    room decided to close would go unanswered (a `send` would get neither `ack` nor
 *    `error`, a `ping` no `pong`). The room first sends `status`, keeps answering for
 *    CLOSE_GRACE_MS (a sealed room answers `send` with INVALID_STATE), then closes.
 *
 * 2. Release after the close. workerd (checked with 1.20261102.1, any compatibility date)
 *    keeps the server end of a hibernatable socket alive after a close the *server*
 *    started until the object's memory goes (garbage collection or hibernation, ~10 s
 *    after the last event), and until then the TCP connection stays open for sockets whose
 *    first frame from the client is the close reply. Client-initiated closes and sockets
 *    that sent a frame before are not affected. See test/node/e2e/close-repro.e2e.test.ts
 *    (test/support/close-repro) for the minimal object that shows it. The only way to let go of those connections
 *    from the object is to reset it (`ctx.abort`), which also drops every other socket:
 *    so the room does it only once no open socket is left (always after an end; after a
 *    transfer or token expiry when nobody else is connected) and nothing is in flight.
 *    Everything the room knows is in its storage, so a reset loses nothing.
 */
export const CLOSE_GRACE_MS = 150;

/** At most this much longer the close waits for frames still being handled (a slow `sync`). */
export const MAX_ANSWER_WAIT_MS = 1_000;

/** How long closed peers get to answer with their own close before the room lets go anyway. */
export const RELEASE_DEADLINE_MS = 500;

const POLL_MS = 25;

export class ServerCloser {
  private releasing: Promise<void> | null = null;

  /** `idle()`: nothing is in flight that a reset could cut (frames, writes, an archive run). */
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly idle: () => boolean,
  ) {}

  /** Closes `sockets` now, then releases their connections (see 2 above). */
  close(sockets: readonly WebSocket[], code: number, reason: string): void {
    if (sockets.length === 0) return;
    closeAll(sockets, code, reason);
    this.releaseWhenClosed();
  }

  /**
   * Closes the sockets `pick` returns after CLOSE_GRACE_MS and once the frames being
   * handled then have their answers (at most MAX_ANSWER_WAIT_MS more; see 1 above). The
   * room keeps running meanwhile; the returned promise is also handed to `waitUntil`.
   */
  closeAfterGrace(pick: () => WebSocket[], code: number, reason: string): Promise<void> {
    const done = sleep(CLOSE_GRACE_MS)
      .then(() => this.untilIdle(Date.now() + MAX_ANSWER_WAIT_MS))
      .then(() => this.close(pick(), code, reason));
    this.ctx.waitUntil(done);
    return done;
  }

  private async untilIdle(deadline: number): Promise<void> {
    while (!this.idle() && Date.now() < deadline) await sleep(POLL_MS);
  }

  private releaseWhenClosed(): void {
    this.releasing ??= this.release().finally(() => (this.releasing = null));
    this.ctx.waitUntil(this.releasing);
  }

  private async release(): Promise<void> {
    const deadline = Date.now() + RELEASE_DEADLINE_MS;
    for (;;) {
      await sleep(POLL_MS);
      const sockets = this.ctx.getWebSockets();
      // Someone is still connected: a reset would cut them off. Their lingering peers go
      // when the room hibernates.
      if (sockets.some((ws) => ws.readyState === WebSocket.OPEN)) return;
      const answered = sockets.length === 0;
      if ((answered || Date.now() >= deadline) && this.idle()) {
        try {
          this.ctx.abort("releasing the connections of closed sockets");
        } catch {
          // The reset is under way; this code does not run on.
        }
        return;
      }
      // Give up if the room stays busy long after the deadline (it hibernates eventually).
      if (Date.now() >= deadline + 10 * RELEASE_DEADLINE_MS) return;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
