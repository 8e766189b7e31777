import { DurableObject } from "cloudflare:workers";
import { chunks } from "../domain/chunks";

/**
 * One shard of the push directory: the users who have at least one push device, and which
 * of them are counselors (src/push/push-client.ts picks the shard by user code). Kept by the
 * subscription routes only, so its writes for a user follow that user's requests in order.
 * It answers two questions without waking anyone's push object: whom of these users can a
 * push reach (most users never subscribe, and a lifecycle event would otherwise wake each
 * participant's PushDO just to find no device), and which counselors can be pushed about a
 * queue request (it names nobody; SPEC 10: "the counselors … who subscribed"). A device
 * the push service pruned (404/410) leaves its user listed: that costs one wake of their
 * PushDO per event, what every event cost before the directory.
 */
export class PushDirectoryDO extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS reachable (user_code TEXT PRIMARY KEY, counselor INTEGER NOT NULL)`);
  }

  /** `userCode` has a device now. */
  async add(userCode: string, counselor: boolean): Promise<void> {
    this.ctx.storage.sql.exec(
      `INSERT INTO reachable (user_code, counselor) VALUES (?, ?) ON CONFLICT (user_code) DO UPDATE SET counselor = excluded.counselor`,
      userCode,
      counselor ? 1 : 0,
    );
  }

  /** `userCode` has no device left. */
  async forget(userCode: string): Promise<void> {
    this.ctx.storage.sql.exec(`DELETE FROM reachable WHERE user_code = ?`, userCode);
  }

  /** The ones of `userCodes` with a device. */
  async reachableOf(userCodes: string[]): Promise<string[]> {
    return chunks(userCodes).flatMap((part) =>
      this.ctx.storage.sql
        .exec<{ user_code: string }>(`SELECT user_code FROM reachable WHERE user_code IN (${part.map(() => "?").join(", ")})`, ...part)
        .toArray()
        .map((r) => r.user_code),
    );
  }

  /** The counselors with a device. */
  async counselors(): Promise<string[]> {
    return this.ctx.storage.sql.exec<{ user_code: string }>(`SELECT user_code FROM reachable WHERE counselor = 1 ORDER BY user_code`).toArray().map((r) => r.user_code);
  }
}
