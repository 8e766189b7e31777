import type { Bookkeeping } from "./state";

/**
 * Token bucket per user and room (SPEC section 4: 10 messages a second sustained, burst
 * 20). All devices of one user share the bucket. The buckets live in memory and in the
 * room's meta table (RoomState's Bookkeeping), written with its next checkpoint, so a
 * taken token costs no statement of its own. A hibernation wake or an eviction never hands
 * out a fresh burst for stored messages: every participant's message took one token at
 * the moment it was numbered (its `sentAt`), so the limiter takes them again from the
 * written buckets for the messages stored after them (`sinceKept`). A refused send took
 * nothing; a refund follows a message that was never stored. A token taken for a message
 * still in flight when a checkpoint is written may be counted twice after a crash, which
 * only errs on the strict side.
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
  private readonly buckets = new Map<string, Bucket | null>();

  constructor(
    private readonly book: Bookkeeping,
    private readonly options: BucketOptions = CHAT_RATE_LIMIT,
  ) {
    for (const m of book.sinceKept) if (m.type !== "SYSTEM") this.take(m.sender, Date.parse(m.sentAt));
  }

  /** Takes one token for `userCode`; false means the send is refused (RATE_LIMITED). */
  take(userCode: string, nowMs = Date.now()): boolean {
    const { bucket, allowed } = takeToken(this.bucket(userCode), nowMs, this.options);
    this.buckets.set(userCode, bucket);
    if (allowed) this.book.keep(keyOf(userCode), JSON.stringify(bucket));
    return allowed;
  }

  /** Gives back a token taken for a send that then failed to store. */
  refund(userCode: string): void {
    const bucket = this.bucket(userCode);
    if (!bucket) return;
    const refunded = { tokens: Math.min(this.options.burst, bucket.tokens + 1), updatedMs: bucket.updatedMs };
    this.buckets.set(userCode, refunded);
    this.book.keep(keyOf(userCode), JSON.stringify(refunded));
  }

  private bucket(userCode: string): Bucket | null {
    if (!this.buckets.has(userCode)) {
      const stored = this.book.kept(keyOf(userCode));
      this.buckets.set(userCode, stored === null ? null : (JSON.parse(stored) as Bucket));
    }
    return this.buckets.get(userCode)!;
  }
}

const keyOf = (userCode: string) => `rate_bucket:${userCode}`;
