import { ApiError, upstreamError } from "../domain/errors";
import { toRpcResult, type RpcResult } from "../domain/rpc-result";
import type { Consultation } from "../domain/types";
import type { ActivityReporter } from "./activity";
import type { RoomArchive } from "./archive";
import { endedText, type Locale } from "./lifecycle";
import type { Messages } from "./messages";
import type { RoomState } from "./state";

export interface EndingDeps {
  state: RoomState;
  messages: Messages;
  archiver: RoomArchive;
  activity: ActivityReporter;
  locale(): Locale;
}

/**
 * Steps 1-2 of ending (SPEC section 6): seal, let every accepted send finish, store the
 * "ended" SYSTEM message (once, and only in a room with messages), report the activity,
 * then write the final archive. On failure the room is unsealed and the refusal returned.
 */
export class Ending {
  /** The in-flight run, shared by concurrent ends (two ends racing). */
  private archiving: Promise<RpcResult<{ chatLogKey: string | null }>> | null = null;

  constructor(private readonly deps: EndingDeps) {}

  /** An archive run is in flight (ServerCloser does not reset the room meanwhile). */
  get busy(): boolean {
    return this.archiving !== null;
  }

  archive(consultation: Consultation, endedBy: string): Promise<RpcResult<{ chatLogKey: string | null }>> {
    this.deps.state.rememberConsultation(consultation);
    this.archiving ??= toRpcResult(() => this.sealAndArchive(endedBy)).finally(() => (this.archiving = null));
    return this.archiving;
  }

  /**
   * With the room sealed and every message stored, RoomArchive.writeFinal writes the
   * transcript, then deletes the hot messages and snapshots; a throw aborts the end (the
   * room unseals) with nothing deleted. `_endedBy` is not part of the transcript.
   */
  private async sealAndArchive(_endedBy: string): Promise<{ chatLogKey: string | null }> {
    const { state, messages, archiver, activity } = this.deps;
    state.sealed = true;
    try {
      await messages.idle();
      if ((await archiver.hasMessages()) && state.endedSeq !== state.lastSeq) {
        await messages.postSystem(endedText(this.deps.locale()));
        state.endedSeq = state.lastSeq;
      }
      await activity.flush().catch((e) => console.error("room activity flush failed while ending", e));
      // The final archive clears the log, whose rows after the checkpoint are the record
      // of the room's last seq: the checkpoint goes first.
      state.flushKept();
      return await archiver.writeFinal();
    } catch (e) {
      state.sealed = false;
      throw e instanceof ApiError ? e : upstreamError("The archive", e);
    }
  }
}
