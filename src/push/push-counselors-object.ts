import { DurableObject } from "cloudflare:workers";

/**
 * The counselors who have at least one push device (one object, named "all"): a request
 * into the support queue names nobody, so its push goes to every counselor on this list
 * (SPEC 10: "the counselors of that category who subscribed"; every counselor sees every
 * category). Kept by the subscription routes; a counselor whose last device is gone leaves.
 */
export class PushCounselorsDO extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS counselors (user_code TEXT PRIMARY KEY)`);
  }

  async set(userCode: string, on: boolean): Promise<void> {
    if (on) this.ctx.storage.sql.exec(`INSERT OR IGNORE INTO counselors (user_code) VALUES (?)`, userCode);
    else this.ctx.storage.sql.exec(`DELETE FROM counselors WHERE user_code = ?`, userCode);
  }

  async list(): Promise<string[]> {
    return this.ctx.storage.sql.exec<{ user_code: string }>(`SELECT user_code FROM counselors ORDER BY user_code`).toArray().map((r) => r.user_code);
  }
}
