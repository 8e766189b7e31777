/**
 * The PlanetScale repository's retry of deadlock victims (src/stores/consultation-repository/
 * deadlock-retry.ts). The contract suite races real creates on MariaDB; this pins down
 * what is and is not retried, with the error shapes drizzle and @planetscale/database give.
 */
import { describe, expect, it } from "vitest";
import { isDeadlock, retryingDeadlocks } from "../../src/stores/consultation-repository/deadlock-retry";

/** drizzle's DrizzleQueryError wraps the driver's DatabaseError in `cause`. */
const wrapped = (driverMessage: string) => new Error("Failed query: INSERT INTO …", { cause: new Error(driverMessage) });
const DEADLOCK = "Deadlock found when trying to get lock; try restarting transaction (errno 1213) (sqlstate 40001)";
const noWait = { sleep: async () => {} };

describe("deadlock retry", () => {
  it("recognises the driver's deadlock inside drizzle's error, and nothing else", () => {
    expect(isDeadlock(wrapped(DEADLOCK))).toBe(true);
    expect(isDeadlock(new Error(DEADLOCK))).toBe(true);
    expect(isDeadlock(wrapped("Duplicate entry '7' for key 'PRIMARY' (errno 1062) (sqlstate 23000)"))).toBe(false);
    expect(isDeadlock(wrapped("Lock wait timeout exceeded (errno 1205) (sqlstate HY000)"))).toBe(false);
    expect(isDeadlock(DEADLOCK)).toBe(false);
    expect(isDeadlock(undefined)).toBe(false);
  });

  it("runs a deadlock victim again and returns its result", async () => {
    let runs = 0;
    const result = await retryingDeadlocks(async () => {
      runs++;
      if (runs < 3) throw wrapped(DEADLOCK);
      return "created";
    }, noWait);
    expect(result).toBe("created");
    expect(runs).toBe(3);
  });

  it("gives any other error to the caller at once", async () => {
    let runs = 0;
    const refused = wrapped("Access denied for user (errno 1045) (sqlstate 28000)");
    await expect(
      retryingDeadlocks(async () => {
        runs++;
        throw refused;
      }, noWait),
    ).rejects.toBe(refused);
    expect(runs).toBe(1);
  });

  it("stops after `attempts` runs with the last deadlock, waiting longer each time", async () => {
    const waits: number[] = [];
    let runs = 0;
    const last = wrapped(DEADLOCK);
    await expect(
      retryingDeadlocks(
        async () => {
          runs++;
          throw last;
        },
        { attempts: 4, firstWaitMs: 8, sleep: async (ms) => void waits.push(ms) },
      ),
    ).rejects.toBe(last);
    expect(runs).toBe(4);
    expect(waits).toHaveLength(3);
    waits.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThan(8 * 2 ** i);
    });
  });
});
