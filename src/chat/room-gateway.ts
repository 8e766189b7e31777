import type { Consultation, User } from "../domain/types";
import type { Env } from "../env";

/**
 * How the lifecycle (src/consultations) tells a consultation's room what happened. The
 * REST side owns the database transition; the room owns sockets, messages and archives.
 *
 * TEMPORARY: the no-op implementation below lets the foundation work before the room
 * exists; the rooms issue replaces it with calls to RoomDO over RPC.
 */
export interface RoomGateway {
  /**
   * The consultation changed state through REST (approve, start, transfer, ...): the room
   * stores SYSTEM messages where SPEC says, sends `status` frames, and on a transfer
   * closes the previous recipient's sockets with 4003.
   */
  statusChanged(after: Consultation, before: Consultation, actor: User): Promise<void>;
  /**
   * Steps 1-2 of SPEC section 6: seal the room (new sends get INVALID_STATE), write the
   * transcript to the archive when there are messages, then delete hot messages and
   * snapshots. Idempotent. Returns the archive key, or null when there were no messages.
   * Throws ApiError UPSTREAM_UNAVAILABLE if the archive could not be written (nothing
   * deleted, room unsealed again).
   */
  archive(consultation: Consultation, endedBy: string): Promise<{ chatLogKey: string | null }>;
  /** Step 3 done (COMPLETED stored): every socket gets `status` COMPLETED and close 4009. */
  completed(consultation: Consultation): Promise<void>;
}

export function getRoomGateway(_env: Env): RoomGateway {
  return {
    async statusChanged() {},
    async archive() {
      return { chatLogKey: null };
    },
    async completed() {},
  };
}
