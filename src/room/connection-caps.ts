import { userTag } from "../chat/room-sockets";

/** SPEC section 14: at most this many sockets per user in one room, and per room. */
export const MAX_SOCKETS_PER_USER = 10;
export const MAX_SOCKETS_PER_ROOM = 100;

/**
 * The 429 a connect gets when the room is full, or null when it may open. Counts the
 * sockets the runtime still holds (closing ones too: their connection is not gone yet).
 * Runs synchronously before `acceptWebSocket`, so two racing connects cannot both take
 * the last place.
 */
export function connectRefusal(ctx: DurableObjectState, userCode: string): Response | null {
  if (ctx.getWebSockets(userTag(userCode)).length >= MAX_SOCKETS_PER_USER) {
    return tooMany(`At most ${MAX_SOCKETS_PER_USER} connections per user in a chat room`);
  }
  if (ctx.getWebSockets().length >= MAX_SOCKETS_PER_ROOM) {
    return tooMany(`At most ${MAX_SOCKETS_PER_ROOM} connections per chat room`);
  }
  return null;
}

function tooMany(message: string): Response {
  return Response.json({ error: message, code: "RATE_LIMITED" }, { status: 429 });
}
