import type { Consultation, User } from "../domain/types";
import { ApiError, upstreamError } from "../domain/errors";
import { unwrapRpcResult, type RpcResult } from "../domain/rpc-result";
import type { UnreadState } from "../protocol/inbox-frames";

/** A consultation's room as the Worker sees it: a stub of its RoomDO (one object per requestIdx). */
export type RoomStub = ReturnType<Env["ROOM"]["getByName"]>;

/**
 * How the lifecycle (src/consultations) tells a consultation's room what happened. The
 * REST side owns the database transition; the room owns sockets, messages and archives.
 *
 * Implemented by RPC to the consultation's RoomDO (`ROOM.getByName(String(requestIdx))`).
 */
export interface RoomGateway {
  /**
   * The consultation changed state through REST (approve, start, transfer, ...): the room
   * stores SYSTEM messages where SPEC says, sends `status` frames, and on a transfer
   * closes the previous recipient's sockets with 4003.
   */
  statusChanged(after: Consultation, before: Consultation, actor: User): Promise<void>;
  /**
   * Before a cancel or transfer of a SCHEDULED row: the room records a first-message start
   * it made (the change then sees IN_PROGRESS) and sends later starts through the
   * repository until `statusChanged` (src/room/status-changes.ts). Throws ApiError
   * UPSTREAM_UNAVAILABLE when the room or its pending start's write is unavailable.
   */
  holdStarts(requestIdx: number): Promise<void>;
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

/** The typed client of the rooms: the lifecycle's gateway plus the stub for chat routes. */
export interface RoomClient extends RoomGateway {
  stub(requestIdx: number): RoomStub;
  /** A participant's unread count in the room (SPEC section 9), for a push. */
  unreadFor(requestIdx: number, userCode: string): Promise<number>;
  /** For a participant's inbox `ready`: their count, ordered against notices; the room tells that inbox about new messages again. */
  inboxOpened(requestIdx: number, userCode: string): Promise<UnreadState>;
}

/** The room of a consultation: one Durable Object per requestIdx. */
export function roomStub(env: Pick<Env, "ROOM">, requestIdx: number): RoomStub {
  return env.ROOM.getByName(String(requestIdx));
}

export function createRoomClient(env: Pick<Env, "ROOM">): RoomClient {
  const stub = (requestIdx: number) => roomStub(env, requestIdx);
  return {
    stub,
    async statusChanged(after, before) {
      await stub(after.requestIdx).statusChanged(after, before);
    },
    async archive(consultation, endedBy) {
      const room = stub(consultation.requestIdx);
      // RPC wraps the union's members in its own types; the value is the plain RpcResult.
      type Archived = RpcResult<{ chatLogKey: string | null }>;
      return unwrapRpcResult(await callRoom("The chat room", async () => (await room.archive(consultation, endedBy)) as Archived));
    },
    async completed(consultation) {
      await stub(consultation.requestIdx).completed(consultation);
    },
    async holdStarts(requestIdx) {
      const room = stub(requestIdx);
      const settled = await callRoom("The chat room", () => room.holdStarts());
      if (!settled) throw new ApiError("UPSTREAM_UNAVAILABLE", "The chat room's start is not recorded yet; try again");
    },
    unreadFor: (requestIdx, userCode) => stub(requestIdx).unreadFor(userCode),
    inboxOpened: (requestIdx, userCode) => stub(requestIdx).inboxOpened(userCode),
  };
}

/**
 * Calls the room over RPC. A thrown error there (the room reset, its store unreachable)
 * means the room is unavailable: 503 UPSTREAM_UNAVAILABLE. Errors cross RPC as plain
 * Errors, so refusals with their own code travel as values (see RpcResult) instead.
 */
export async function callRoom<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw e instanceof ApiError ? e : upstreamError(what, e);
  }
}
