import { ApiError } from "../domain/errors";
import { userTag } from "./sockets";

/** SPEC section 14: at most this many sockets per user in one room, and per room. */
export const MAX_SOCKETS_PER_USER = 10;
export const MAX_SOCKETS_PER_ROOM = 100;

/**
 * Why a connect is refused (RATE_LIMITED, 429) when the room is full, or null when it may
 * open. Counts the sockets the runtime still holds (closing ones too: their connection is
 * not gone yet). Synchronous, so the caller can run it right before `acceptWebSocket`.
 */
export function connectRefusal(ctx: DurableObjectState, userCode: string): ApiError | null {
  if (ctx.getWebSockets(userTag(userCode)).length >= MAX_SOCKETS_PER_USER) {
    return new ApiError("RATE_LIMITED", `At most ${MAX_SOCKETS_PER_USER} connections per user in a chat room`);
  }
  if (ctx.getWebSockets().length >= MAX_SOCKETS_PER_ROOM) {
    return new ApiError("RATE_LIMITED", `At most ${MAX_SOCKETS_PER_ROOM} connections per chat room`);
  }
  return null;
}
