import type { Consultation, User } from "../domain/types";
import type { Env } from "../env";
import { ApiError, upstreamError, type ErrorCode } from "../errors";
import type { RoomDO } from "./room-do";

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

/** The room of a consultation: one Durable Object per requestIdx. */
export function roomStub(env: Env, requestIdx: number): DurableObjectStub<RoomDO> {
  return env.ROOM.getByName(String(requestIdx));
}

export function getRoomGateway(env: Env): RoomGateway {
  return {
    async statusChanged(after, before) {
      await roomStub(env, after.requestIdx).statusChanged(after, before);
    },
    async archive(consultation, endedBy) {
      const stub = roomStub(env, consultation.requestIdx);
      type Archived = RoomResult<{ chatLogKey: string | null }>;
      return unwrap(await callRoom("The chat room", async () => (await stub.archive(consultation, endedBy)) as Archived));
    },
    async completed(consultation) {
      await roomStub(env, consultation.requestIdx).completed(consultation);
    },
  };
}

/**
 * Calls the room over RPC. A thrown error there (the room reset, its store unreachable)
 * means the room is unavailable: 503 UPSTREAM_UNAVAILABLE. Errors cross RPC as plain
 * Errors, so refusals with their own code travel as values (see RoomResult) instead.
 */
export async function callRoom<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw e instanceof ApiError ? e : upstreamError(what, e);
  }
}

/** An RPC answer that may be a refusal with its code (ApiError does not survive RPC). */
export type RoomResult<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string; status: number };

export async function roomResult<T>(run: () => Promise<T>): Promise<RoomResult<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (e) {
    if (e instanceof ApiError) return { ok: false, code: e.code, message: e.message, status: e.status };
    throw e;
  }
}

export function unwrap<T>(result: RoomResult<T>): T {
  if (result.ok) return result.value;
  throw new ApiError(result.code, result.message, undefined, result.status);
}
