import { checkHeartBeat, type HeartBeatCheck, type HeartBeatPlan } from "../protocol/stomp-heartbeat";

/**
 * The longest a silent client may go unnoticed: the liveness check runs at most this often,
 * so an idle connection wakes its object about once a minute, not once per heart-beat.
 */
export const LIVENESS_CHECK_MS = 60_000;

/**
 * Heart-beats of a hibernating connection. The client's own heart-beat (one EOL) is
 * answered with one EOL by the runtime's WebSocket auto-response, without waking the
 * object. When the client beats at least as often as the server must (stompjs: 10 s both
 * ways), those echoes are the server's heart-beats, so the object only wakes to check that
 * the client is alive; otherwise (a client that beats rarely or never but wants beats) the
 * alarm sends them. `lastSentAt` / `lastReceivedAt` include the last auto-response.
 */
export function planLiveness(plan: HeartBeatPlan, clock: { now: number; lastSentAt: number; lastReceivedAt: number }): HeartBeatCheck & { echoed: boolean } {
  const echoed = echoCovers(plan);
  const grace = plan.expectEveryMs > 0 ? Math.max(2, Math.ceil(LIVENESS_CHECK_MS / plan.expectEveryMs)) : 2;
  return { ...checkHeartBeat(echoed ? { ...plan, sendEveryMs: 0 } : plan, clock, grace), echoed };
}

/** Whether echoing the client's beats meets the server's obligation to send. */
export function echoCovers(plan: HeartBeatPlan): boolean {
  return plan.sendEveryMs > 0 && plan.expectEveryMs > 0 && plan.expectEveryMs <= plan.sendEveryMs;
}

/**
 * With echoes covering, a client that sends frames instead of beats gets no echo: while
 * the object is awake for such a frame, it beats itself once half an interval has passed.
 */
export function beatWhileAwake(plan: HeartBeatPlan, now: number, lastSentAt: number): boolean {
  return echoCovers(plan) && now - lastSentAt >= plan.sendEveryMs / 2;
}
