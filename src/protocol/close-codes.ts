/**
 * Close codes of the room's WebSockets (SPEC section 4; 1009 is the standard "message too
 * big"). Shared by the room, which closes with them, and the browser app, which stops
 * reconnecting on them; apart from frames.ts so the browser bundle does not pull in zod.
 */
export const CLOSE = {
  TOO_BIG: 1009,
  TOKEN_EXPIRED: 4001,
  TRANSFERRED: 4003,
  ENDED: 4009,
} as const;
