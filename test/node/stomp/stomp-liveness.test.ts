/** Heart-beats under hibernation (src/inbox/stomp-liveness.ts): when the object must wake, and what it does then. */
import { describe, expect, it } from "vitest";
import { beatWhileAwake, echoCovers, LIVENESS_CHECK_MS, planLiveness } from "../../../src/inbox/stomp-liveness";
import { negotiateHeartBeat } from "../../../src/protocol/stomp-heartbeat";

const server = { sendMs: 10_000, receiveMs: 10_000 };
const plan = (client: string) => negotiateHeartBeat(client, "1.2", server);

describe("planLiveness", () => {
  it("stompjs defaults (10 s both ways): the echoes are the server's beats; the object wakes only for the liveness check", () => {
    const p = plan("10000,10000");
    expect(echoCovers(p)).toBe(true);
    const check = planLiveness(p, { now: 0, lastSentAt: 0, lastReceivedAt: 0 });
    expect(check).toMatchObject({ sendNow: false, clientTimedOut: false, nextCheckAt: LIVENESS_CHECK_MS });
    // A beat echoed at 9 s (the auto-response time) moves the check, nothing is sent.
    expect(planLiveness(p, { now: LIVENESS_CHECK_MS, lastSentAt: 9_000, lastReceivedAt: 9_000 })).toMatchObject({ sendNow: false, clientTimedOut: false, nextCheckAt: 9_000 + LIVENESS_CHECK_MS });
  });

  it("closes a client silent past the check", () => {
    expect(planLiveness(plan("10000,10000"), { now: LIVENESS_CHECK_MS, lastSentAt: 0, lastReceivedAt: 0 }).clientTimedOut).toBe(true);
    // Intervals above half the check keep the spec's two-interval grace.
    expect(planLiveness(plan("40000,0"), { now: 79_999, lastSentAt: 0, lastReceivedAt: 0 }).clientTimedOut).toBe(false);
    expect(planLiveness(plan("40000,0"), { now: 80_000, lastSentAt: 0, lastReceivedAt: 0 }).clientTimedOut).toBe(true);
  });

  it("a client that never beats but wants beats: the alarm sends them every interval", () => {
    const p = plan("0,10000");
    expect(echoCovers(p)).toBe(false);
    expect(planLiveness(p, { now: 0, lastSentAt: 0, lastReceivedAt: 0 })).toMatchObject({ sendNow: false, nextCheckAt: 10_000 });
    expect(planLiveness(p, { now: 10_000, lastSentAt: 0, lastReceivedAt: 0 })).toMatchObject({ sendNow: true, clientTimedOut: false, nextCheckAt: 20_000 });
  });

  it("a client beating less often than it wants to hear: the alarm beats too", () => {
    expect(echoCovers(plan("20000,10000"))).toBe(false);
    expect(planLiveness(plan("20000,10000"), { now: 10_000, lastSentAt: 0, lastReceivedAt: 0 }).sendNow).toBe(true);
  });

  it("no heart-beats at all (0,0, or STOMP 1.0): no alarm", () => {
    expect(planLiveness(plan("0,0"), { now: 0, lastSentAt: 0, lastReceivedAt: 0 }).nextCheckAt).toBeNull();
    expect(planLiveness(negotiateHeartBeat(undefined, "1.0", server), { now: 0, lastSentAt: 0, lastReceivedAt: 0 }).nextCheckAt).toBeNull();
  });

  it("while awake for a frame, beats once half an interval passed without a send (frames are not echoed)", () => {
    const p = plan("10000,10000");
    expect(beatWhileAwake(p, 4_999, 0)).toBe(false);
    expect(beatWhileAwake(p, 5_000, 0)).toBe(true);
    expect(beatWhileAwake(plan("0,10000"), 9_000, 0)).toBe(false); // the alarm does it there
  });
});
