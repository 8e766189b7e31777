/**
 * Token bucket per user and room (SPEC section 4: 10 messages a second sustained, burst
 * 20). All devices of one user share the bucket. The bucket lives in the room's SQLite
 * storage, so a hibernation wake or an eviction never hands out a fresh burst.
 */
export interface BucketOptions {
  ratePerSecond: number;
  burst: number;
}

export const CHAT_RATE_LIMIT: BucketOptions = { ratePerSecond: 10, burst: 20 };

export interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Pure refill-and-take: returns the new bucket and whether a token was taken. */
export function takeToken(bucket: Bucket | null, nowMs: number, options: BucketOptions): { bucket: Bucket; allowed: boolean } {
  const start = bucket ?? { tokens: options.burst, updatedMs: nowMs };
  // A clock that steps backwards must not mint tokens or punish the user.
  const elapsedMs = Math.max(0, nowMs - start.updatedMs);
  const tokens = Math.min(options.burst, start.tokens + (elapsedMs / 1000) * options.ratePerSecond);
  if (tokens < 1) return { bucket: { tokens, updatedMs: nowMs }, allowed: false };
  return { bucket: { tokens: tokens - 1, updatedMs: nowMs }, allowed: true };
}

export class RateLimiter {
  constructor(
    private readonly sql: SqlStorage,
    private readonly options: BucketOptions = CHAT_RATE_LIMIT,
  ) {
    sql.exec(
      `CREATE TABLE IF NOT EXISTS rate_buckets (user_code TEXT PRIMARY KEY, tokens REAL NOT NULL, updated_ms INTEGER NOT NULL)`,
    );
  }

  /** Takes one token for `userCode`; false means the send is refused (RATE_LIMITED). */
  take(userCode: string, nowMs = Date.now()): boolean {
    const row = this.sql
      .exec<{ tokens: number; updated_ms: number }>(`SELECT tokens, updated_ms FROM rate_buckets WHERE user_code = ?`, userCode)
      .toArray()[0];
    const { bucket, allowed } = takeToken(row ? { tokens: row.tokens, updatedMs: row.updated_ms } : null, nowMs, this.options);
    this.sql.exec(
      `INSERT INTO rate_buckets (user_code, tokens, updated_ms) VALUES (?, ?, ?)
       ON CONFLICT (user_code) DO UPDATE SET tokens = excluded.tokens, updated_ms = excluded.updated_ms`,
      userCode,
      bucket.tokens,
      bucket.updatedMs,
    );
    return allowed;
  }

  /** Gives back a token taken for a send that then failed to store. */
  refund(userCode: string): void {
    this.sql.exec(`UPDATE rate_buckets SET tokens = MIN(?, tokens + 1) WHERE user_code = ?`, this.options.burst, userCode);
  }
}
