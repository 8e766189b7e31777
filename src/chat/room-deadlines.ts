import type { AlarmScheduler } from "./alarm-scheduler";
import { CLOSE } from "./frames";
import type { LocalExpiry } from "./message-store-factory";
import type { ServerCloser } from "../room/server-close";
import { attachmentOf, earliestExpiryMs, openSockets } from "./room-sockets";

/** The room's own deadline handlers: token expiry of its sockets and the embedded TTL. */

/** Points the "token-expiry" deadline at the earliest token expiry among open sockets. */
export async function armTokenExpiry(ctx: DurableObjectState, scheduler: AlarmScheduler): Promise<void> {
  const next = earliestExpiryMs(openSockets(ctx));
  if (next === null) await scheduler.cancel("token-expiry");
  else await scheduler.schedule("token-expiry", next);
}

/** SPEC section 4: a token that expires while connected closes its socket with 4001. */
export async function closeExpiredSockets(ctx: DurableObjectState, scheduler: AlarmScheduler, closer: ServerCloser, nowMs = Date.now()): Promise<void> {
  const expired = openSockets(ctx).filter((ws) => {
    const exp = attachmentOf(ws)?.user.exp;
    return exp !== null && exp !== undefined && exp * 1000 <= nowMs;
  });
  // At once, no grace: an expired token must not post any more.
  closer.close(expired, CLOSE.TOKEN_EXPIRED, "Token expired");
  await armTokenExpiry(ctx, scheduler);
}

/** The "ttl" deadline: drop the hot messages if their TTL passed, else follow the refreshed TTL. */
export async function expireHotStore(local: LocalExpiry | null, scheduler: AlarmScheduler): Promise<void> {
  if (!local || local.expireIfDue()) return;
  const at = local.expiresAt();
  if (at !== null) await scheduler.schedule("ttl", at);
}
