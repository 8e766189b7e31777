import { describe, expect, it } from "vitest";
import { socketsWithin } from "./fd-limit";
import { parseOptions, UsageError } from "./options";

describe("parseOptions", () => {
  it("keeps product and baseline as smoke's systems and adds the peer to seed, sweep and idle", () => {
    expect(parseOptions([]).systems).toEqual(["product", "baseline"]);
    for (const preset of ["seed", "sweep", "idle"]) expect(parseOptions(["--preset", preset]).systems).toEqual(["product", "baseline", "peer"]);
    expect(parseOptions(["--systems", "peer,product"]).systems).toEqual(["peer", "product"]);
  });

  it("refuses unknown or repeated systems", () => {
    expect(() => parseOptions(["--systems", "product,nginx"])).toThrow(UsageError);
    expect(() => parseOptions(["--systems", "peer,peer"])).toThrow(UsageError);
    expect(() => parseOptions(["--systems", ""])).toThrow(UsageError);
  });

  it("spreads the idle preset's sockets over rooms of 2 users × D devices", () => {
    const o = parseOptions(["--preset", "idle"]);
    expect(o.idle).toEqual({ sockets: 5000, activeRooms: 4, settleSeconds: 20 });
    expect(o.shape).toMatchObject({ rooms: 250, devices: 10 });
    expect(parseOptions(["--preset", "idle", "--sockets", "401", "--devices", "5"]).shape.rooms).toBe(41);
    expect(parseOptions(["--preset", "smoke"]).idle).toBeNull();
  });

  it("refuses the idle options elsewhere", () => {
    expect(() => parseOptions(["--preset", "seed", "--sockets", "100"])).toThrow(/only apply to --preset idle/);
    expect(() => parseOptions(["--preset", "idle", "--settle", "-1"])).toThrow(UsageError);
  });
});

describe("--repeat", () => {
  it("defaults to one round and is refused for the sweep", () => {
    expect(parseOptions(["--preset", "seed"]).repeat).toBe(1);
    expect(parseOptions(["--preset", "seed", "--repeat", "5"]).repeat).toBe(5);
    expect(() => parseOptions(["--preset", "sweep", "--repeat", "3"])).toThrow(/one-rate presets/);
    expect(() => parseOptions(["--repeat", "0"])).toThrow(UsageError);
  });
});

describe("socketsWithin", () => {
  it("leaves two descriptors per socket and a reserve under the limit", () => {
    expect(socketsWithin(20_000)).toBe(9744);
    expect(socketsWithin(1024)).toBe(256);
    expect(socketsWithin(100)).toBe(0);
  });
});
