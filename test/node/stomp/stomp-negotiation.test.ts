import { describe, expect, it } from "vitest";
import { StompProtocolError } from "../../../src/protocol/stomp-codec";
import { checkHeartBeat, DEFAULT_SERVER_HEARTBEAT, negotiateHeartBeat, parseHeartBeat } from "../../../src/protocol/stomp-heartbeat";
import { negotiateVersion, pickSubprotocol, subprotocolFor } from "../../../src/protocol/stomp-version";

describe("subprotocol", () => {
  it.each([
    [["v10.stomp", "v11.stomp", "v12.stomp"], "v12.stomp"],
    [["v12.stomp", "v11.stomp", "v10.stomp"], "v12.stomp"],
    ["v10.stomp, v11.stomp", "v11.stomp"],
    ["V10.STOMP", "v10.stomp"],
    [["mqtt", "v10.stomp"], "v10.stomp"],
    [["mqtt"], null],
    ["", null],
    [null, null],
  ] as const)("offered %j -> %s", (offered, expected) => {
    expect(pickSubprotocol(offered as string | string[] | null)).toBe(expected);
  });

  it("names each version", () => {
    expect(["1.0", "1.1", "1.2"].map((v) => subprotocolFor(v as "1.0"))).toEqual(["v10.stomp", "v11.stomp", "v12.stomp"]);
  });
});

describe("version negotiation", () => {
  it.each([
    ["1.2,1.1,1.0", null, "1.2"],
    ["1.0,1.1,1.2", null, "1.2"],
    ["1.1,1.0", null, "1.1"],
    [" 1.0 , 1.1 ", null, "1.1"],
    [undefined, null, "1.0"],
    ["1.2,1.1,1.0", "v11.stomp", "1.1"],
    ["1.2,1.1,1.0", "v10.stomp", "1.0"],
    ["1.2,1.1,1.0", "v12.stomp", "1.2"],
    ["1.1,2.0", "v12.stomp", "1.1"],
  ] as const)("accept-version %j over %s -> %s", (accept, subprotocol, expected) => {
    expect(negotiateVersion(accept, subprotocol)).toEqual({ ok: true, version: expected });
  });

  it.each([["2.0"], ["1.3"], [""]] as const)("refuses accept-version %j", (accept) => {
    const outcome = negotiateVersion(accept, null);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.message).toMatch(/1\.2,1\.1,1\.0/);
  });

  it("refuses a client whose versions are all above the subprotocol's", () => {
    expect(negotiateVersion("1.2", "v11.stomp").ok).toBe(false);
  });
});

describe("heart-beat negotiation (STOMP 1.2 'Heart-beating')", () => {
  // [client cx,cy] x [server sx,sy] -> server sends every max(sx,cy), expects every max(cx,sy); 0 disables.
  it.each([
    ["10000,10000", [10000, 10000], 10000, 10000],
    ["4000,4000", [10000, 10000], 10000, 10000],
    ["20000,30000", [10000, 10000], 30000, 20000],
    ["0,0", [10000, 10000], 0, 0],
    ["0,5000", [10000, 10000], 10000, 0],
    ["5000,0", [10000, 10000], 0, 10000],
    ["1000,1000", [0, 0], 0, 0],
    ["1000,1000", [0, 2000], 0, 2000],
    ["1000,3000", [2000, 0], 3000, 0],
    [undefined, [10000, 10000], 0, 0],
  ] as const)("client %s, server %j: send every %d, expect every %d", (client, [sx, sy], send, expect_) => {
    const plan = negotiateHeartBeat(client, "1.2", { sendMs: sx, receiveMs: sy });
    expect(plan).toEqual({ header: `${sx},${sy}`, sendEveryMs: send, expectEveryMs: expect_ });
  });

  it("has none in STOMP 1.0", () => {
    expect(negotiateHeartBeat("1000,1000", "1.0")).toEqual({ header: undefined, sendEveryMs: 0, expectEveryMs: 0 });
  });

  it("offers 10000,10000 by default", () => {
    expect(DEFAULT_SERVER_HEARTBEAT).toEqual({ sendMs: 10000, receiveMs: 10000 });
    expect(negotiateHeartBeat("10000,10000", "1.1").header).toBe("10000,10000");
  });

  it.each([["1000"], ["a,b"], ["-1,0"], ["1000,1000,1000"], ["1.5,2"], [""]])("refuses malformed heart-beat %j", (value) => {
    expect(() => parseHeartBeat(value)).toThrow(StompProtocolError);
  });

  it("accepts spaces around the numbers", () => {
    expect(parseHeartBeat(" 100 , 200 ")).toEqual([100, 200]);
  });
});

describe("checkHeartBeat", () => {
  const plan = { header: "1000,1000", sendEveryMs: 1000, expectEveryMs: 1000 };

  it("sends when the server has been quiet for its interval", () => {
    expect(checkHeartBeat(plan, { now: 1999, lastSentAt: 1000, lastReceivedAt: 1900 })).toEqual({ sendNow: false, clientTimedOut: false, nextCheckAt: 2000 });
    expect(checkHeartBeat(plan, { now: 2000, lastSentAt: 1000, lastReceivedAt: 1900 })).toEqual({ sendNow: true, clientTimedOut: false, nextCheckAt: 3000 });
  });

  it("gives the client twice its interval before it counts as gone", () => {
    expect(checkHeartBeat(plan, { now: 2999, lastSentAt: 2500, lastReceivedAt: 1000 }).clientTimedOut).toBe(false);
    expect(checkHeartBeat(plan, { now: 3000, lastSentAt: 2500, lastReceivedAt: 1000 }).clientTimedOut).toBe(true);
    expect(checkHeartBeat(plan, { now: 3000, lastSentAt: 2500, lastReceivedAt: 1000 }, 3).clientTimedOut).toBe(false);
  });

  it("schedules nothing without heart-beats", () => {
    expect(checkHeartBeat({ header: undefined, sendEveryMs: 0, expectEveryMs: 0 }, { now: 1e9, lastSentAt: 0, lastReceivedAt: 0 })).toEqual({ sendNow: false, clientTimedOut: false, nextCheckAt: null });
  });

  it("checks again at the client's deadline when that comes first", () => {
    const slowSend = { header: "10000,1000", sendEveryMs: 10000, expectEveryMs: 1000 };
    expect(checkHeartBeat(slowSend, { now: 100, lastSentAt: 0, lastReceivedAt: 0 }).nextCheckAt).toBe(2000);
  });
});
