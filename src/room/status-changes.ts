import type { Consultation, User } from "../domain/types";
import { CLOSE } from "../protocol/close-codes";
import type { Connections } from "./connections";
import { describeChange, type Locale } from "./lifecycle";
import type { Messages } from "./messages";
import type { RoomServices } from "./room-services";
import type { RoomState } from "./state";

export interface StatusChangesDeps {
  state: RoomState;
  messages: Messages;
  connections: Connections;
  services: Pick<RoomServices, "repository" | "startOnFirstMessage">;
  requestIdx(): number;
  locale(): Locale;
  /** Keeps the auto-start's inbox notices running after the send (the object's waitUntil). */
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * The room's side of the consultation's lifecycle: the auto-start on a participant's
 * first message, the SYSTEM messages, `status` frames and closes of a state change, and
 * the final close once COMPLETED is stored.
 */
export class StatusChanges {
  /** The in-flight auto-start (first message in a SCHEDULED room), shared by racing sends. */
  private starting: Promise<void> | null = null;

  constructor(private readonly deps: StatusChangesDeps) {}

  /** An auto-start is in flight (ServerCloser does not reset the room meanwhile). */
  get busy(): boolean {
    return this.starting !== null;
  }

  /**
   * The first message of a participant moves a SCHEDULED consultation to IN_PROGRESS.
   * Returns the auto-start a send must wait for: a new one in a SCHEDULED room, the one
   * in flight (the row already says IN_PROGRESS while its "started" message is still
   * being stored), or null when there is none, so a send that need not wait never yields.
   * Every send waits for a start in flight, so none overtakes the first message (nor the
   * sends that arrived while it waited: they resume in arrival order).
   */
  startFor(sender: User): Promise<void> | null {
    if (!this.starting && this.deps.state.consultation?.status === "SCHEDULED") {
      // One promise for every waiting send, so they resume in the order they arrived.
      this.starting = this.start(sender).finally(() => (this.starting = null));
    }
    return this.starting;
  }

  private async start(sender: User): Promise<void> {
    const { state, services, requestIdx, waitUntil } = this.deps;
    const before = state.consultation!;
    const after = (await services.startOnFirstMessage(requestIdx(), sender, waitUntil, before)) ?? (await services.repository.findById(requestIdx()));
    if (after) await this.apply(after, before);
  }

  /**
   * A state change (through REST, or the auto-start): the SYSTEM message first (stored and
   * delivered), then `status` frames, then closes after a grace (4003 for a replaced recipient, 4009 when over).
   */
  async apply(next: Consultation, hint: Consultation): Promise<void> {
    const { state, messages, connections } = this.deps;
    const prev = state.consultation ?? hint;
    if (state.rememberConsultation(next) !== next) return; // an older row than the room's
    const change = describeChange(prev, next, this.deps.locale());
    if (change.terminal) state.sealed = true;
    // A sealed room is being archived: a late "started" must not land after "ended".
    if (change.systemText && !state.sealed) {
      try {
        await messages.postSystem(change.systemText);
      } catch (e) {
        console.error("room could not store a SYSTEM message", e);
      }
    }
    if (change.statusFrame) connections.broadcast({ type: "status", status: next.status });
    // Closes follow the status frame after a grace (ServerCloser): frames already on their
    // way are answered first.
    for (const userCode of change.closeUsers) connections.closeAfterGrace(CLOSE.TRANSFERRED, "Transferred", userCode);
    if (change.terminal) connections.closeAfterGrace(CLOSE.ENDED, `Consultation ${next.status}`);
  }

  /** COMPLETED is stored: every socket gets `status` COMPLETED and closes with 4009. */
  completed(consultation: Consultation): void {
    const { state, connections } = this.deps;
    state.rememberConsultation(consultation);
    state.sealed = true;
    connections.broadcast({ type: "status", status: consultation.status });
    connections.closeAfterGrace(CLOSE.ENDED, "Consultation ended");
  }
}
