import type { AlarmScheduler } from "./alarm-scheduler";
import { CLOSE } from "../protocol/frames";
import type { LocalExpiry } from "../stores/message-store/port";
import { attachmentOf, closeAll, earliestExpiryMs, openSockets } from "./sockets";

/** The room's own deadline handlers: token expiry of its sockets and the embedded TTL. */

/** Points the "token-expiry" deadline at the earliest token expiry among open sockets. */
export async function armTokenExpiry(ctx: DurableObjectState, scheduler: AlarmScheduler): Promise<void> {
  const next = earliestExpiryMs(openSockets(ctx));
  if (next === null) await scheduler.cancel("token-expiry");
  else await scheduler.schedule("token-expiry", next);
}

/** SPEC section 4: a token that expires while connected closes its socket with 4001. */
export async function closeExpiredSockets(ctx: DurableObjectState, scheduler: AlarmScheduler, nowMs = Date.now()): Promise<void> {
  const expired = openSockets(ctx).filter((ws) => {
    const exp = attachmentOf(ws)?.user.exp;
    return exp !== null && exp !== undefined && exp * 1000 <= nowMs;
  });
  closeAll(expired, CLOSE.TOKEN_EXPIRED, "Token expired");
  await armTokenExpiry(ctx, scheduler);
}

/** The "ttl" deadline: drop the hot messages if their TTL passed, else follow the refreshed TTL. */
export async function expireHotStore(local: LocalExpiry | null, scheduler: AlarmScheduler): Promise<void> {
  if (!local || local.expireIfDue()) return;
  const at = local.expiresAt();
  if (at !== null) await scheduler.schedule("ttl", at);
}
