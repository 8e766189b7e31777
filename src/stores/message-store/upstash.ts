import { Redis } from "@upstash/redis/cloudflare";
import type { ChatMessage } from "../../domain/types";
import { upstreamError } from "../../domain/errors";
import type { MessageStore } from "./port";

/** The Redis list of one room (SPEC section 5). */
export const roomKey = (requestIdx: number) => `chat:room:${requestIdx}`;

/**
 * Replaces the stored tail from the batch's first seq on with the batch, then refreshes
 * the TTL, in one atomic step (the port's "a retried seq replaces a partially written
 * tail"). Two cases reach a stored seq again: an append whose reply was lost (the
 * client's own network retry, or the room retrying a batch after an error), which
 * rewrites the same messages; and a room that crashed after Redis stored a batch but
 * before the room recorded it, which hands those seqs to other messages after its
 * restart: the list must then hold what the room acked, not the unacknowledged tail.
 * Only such a tail is ever replaced: the room appends from its last recorded seq + 1.
 * A script, not LINDEX + LTRIM + RPUSH from here: one request per batch on the send
 * path, and nothing can interleave.
 *
 * KEYS[1] the list; ARGV[1] TTL in seconds; then pairs of (seq, message JSON), ascending.
 * Returns how many stored messages it replaced.
 */
const REPLACE_TAIL_AND_APPEND = `
local first = tonumber(ARGV[2])
local replaced = 0
while true do
  local tail = redis.call('LINDEX', KEYS[1], -1)
  if not tail or (tonumber(cjson.decode(tail).seq) or 0) < first then break end
  redis.call('RPOP', KEYS[1])
  replaced = replaced + 1
end
for i = 2, #ARGV - 1, 2 do
  redis.call('RPUSH', KEYS[1], ARGV[i + 1])
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return replaced
`;

export interface UpstashMessageStoreOptions {
  url: string;
  token: string;
  ttlHours: number;
  /** Per-request deadline (each request is aborted 0.9–1 × this after it started: sharedDeadline), so a hanging store cannot stall a room's write queue. */
  timeoutMs?: number;
}

/**
 * The production hot store: a Redis list of message JSON per room, through Upstash's REST
 * API. Redis expires the key itself, so the room runs no TTL alarm for it.
 */
export class UpstashMessageStore implements MessageStore {
  private readonly redis: Redis;
  private readonly ttlSeconds: number;
  private readonly appendScript: { exec(keys: string[], args: string[]): Promise<number> };

  constructor(options: UpstashMessageStoreOptions) {
    const timeoutMs = options.timeoutMs ?? 10_000;
    this.redis = new Redis({
      url: options.url,
      token: options.token,
      // Raw strings: messages are parsed here, not guessed at by the client.
      automaticDeserialization: false,
      enableTelemetry: false,
      // A few quick retries of network errors only; safe because the append is idempotent.
      retry: { retries: 2, backoff: (n) => 50 * 2 ** n },
      signal: sharedDeadline(timeoutMs),
      // Off: the client would build a Pipeline (a few hundred closures) for every request
      // and post it to /pipeline. The room sends one script per batch and awaits each read
      // before the next, so there is never a second command to join it (README, "How the
      // room's hot path is built").
      enableAutoPipelining: false,
    });
    this.ttlSeconds = Math.max(1, Math.ceil(options.ttlHours * 3600));
    this.appendScript = this.redis.createScript<number>(REPLACE_TAIL_AND_APPEND);
  }

  async append(requestIdx: number, messages: readonly ChatMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const args = [String(this.ttlSeconds)];
    for (const m of messages) args.push(String(m.seq), JSON.stringify(m));
    await this.guard(() => this.appendScript.exec([roomKey(requestIdx)], args));
  }

  async list(requestIdx: number, options: { afterSeq?: number; last?: number } = {}): Promise<ChatMessage[]> {
    const key = roomKey(requestIdx);
    const { afterSeq, last } = options;
    const messages = await this.guard(async () => {
      if (afterSeq === undefined || afterSeq <= 0) {
        return parse(await this.redis.lrange<string>(key, last === undefined ? 0 : -Math.max(last, 0), -1));
      }
      // The list holds consecutive seqs, so the first stored seq locates afterSeq + 1.
      const first = await this.redis.lindex(key, 0);
      if (first === null) return [];
      const start = Math.max(0, afterSeq - (parse([first as string])[0]?.seq ?? 0) + 1);
      const tail = parse(await this.redis.lrange<string>(key, start, -1));
      // Not consecutive after all (never written by this adapter): read it all, to be exact.
      if (start > 0 && tail.length > 0 && tail[0]!.seq !== afterSeq + 1) {
        return parse(await this.redis.lrange<string>(key, 0, -1));
      }
      return tail;
    });
    const after = afterSeq === undefined ? messages : messages.filter((m) => m.seq > afterSeq);
    return last === undefined ? after : after.slice(Math.max(0, after.length - last));
  }

  count(requestIdx: number): Promise<number> {
    return this.guard(() => this.redis.llen(roomKey(requestIdx)));
  }

  async clear(requestIdx: number): Promise<void> {
    await this.guard(() => this.redis.del(roomKey(requestIdx)));
  }

  private async guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw upstreamError("The message store (Upstash Redis)", e);
    }
  }
}

/**
 * The client asks for a signal per request. One `AbortSignal.timeout` per request would arm
 * a timer per message that fires, long after its request finished, into the room; instead
 * the requests started within one slice (a tenth of the timeout, at most a second) share
 * one signal, so each request's deadline is between 0.9 × and 1 × `timeoutMs` after it started.
 */
export function sharedDeadline(timeoutMs: number, now: () => number = Date.now): () => AbortSignal {
  const slice = Math.min(1_000, timeoutMs / 10);
  let current: { signal: AbortSignal; until: number } | null = null;
  return () => {
    const t = now();
    if (!current || t >= current.until || current.signal.aborted) current = { signal: AbortSignal.timeout(timeoutMs), until: t + slice };
    return current.signal;
  };
}

function parse(items: readonly string[]): ChatMessage[] {
  return items.map((s) => JSON.parse(s) as ChatMessage);
}
