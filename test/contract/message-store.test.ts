import { Redis } from "@upstash/redis/cloudflare";
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../src/domain/types";
import type { MessageStore } from "../../src/stores/message-store/port";
import { SqliteMessageStore } from "../../src/stores/message-store/sqlite";
import { roomKey, sharedDeadline, UpstashMessageStore } from "../../src/stores/message-store/upstash";
import { failureCode, freshId, stack, whileDown, whileUpstashSlow } from "./support/stack";

/**
 * The MessageStore contract (SPEC section 5), run against the embedded adapter (a room's
 * Durable Object SQLite) and the production one (Upstash REST over a real redis-server).
 */
const TTL_HOURS = 36;
const FULL_TTL = TTL_HOURS * 3600;

interface Harness {
  store: MessageStore;
  room: number;
  /** Seconds until the room's list expires, or null when nothing is stored. */
  ttlSeconds(): Promise<number | null>;
  /** Lets `seconds` pass for the list's TTL. */
  age(seconds: number): Promise<void>;
}

interface StoreCase {
  name: string;
  run(test: (h: Harness) => Promise<void>): Promise<void>;
}

const sqliteCase: StoreCase = {
  name: "DO SQLite (embedded)",
  async run(test) {
    const stub = env.ROOM.getByName(`contract-${crypto.randomUUID()}`);
    await runInDurableObject(stub, async (_room, state) => {
      let now = Date.now();
      const store = new SqliteMessageStore(state.storage.sql, TTL_HOURS, () => now);
      await test({
        store,
        room: freshId(),
        async ttlSeconds() {
          const at = store.expiresAt();
          return at === null || at <= now ? null : (at - now) / 1000;
        },
        async age(seconds) {
          now += seconds * 1000;
        },
      });
    });
  },
};

const redisProbe = () => new Redis({ ...stack.upstash, retry: false, enableTelemetry: false });

function upstashStore(): UpstashMessageStore {
  return new UpstashMessageStore({ ...stack.upstash, ttlHours: TTL_HOURS, timeoutMs: 5_000 });
}

const upstashCase: StoreCase = {
  name: "Upstash Redis (production)",
  async run(test) {
    const room = freshId();
    const key = roomKey(room);
    await test({
      store: upstashStore(),
      room,
      async ttlSeconds() {
        const ttl = await redisProbe().ttl(key);
        return ttl < 0 ? null : ttl;
      },
      async age(seconds) {
        const ttl = await redisProbe().ttl(key);
        // EXPIRE with a non-positive TTL deletes the key, as expiry would.
        if (ttl > 0) await redisProbe().expire(key, ttl - seconds);
      },
    });
  },
};

function message(room: number, seq: number, content = `message ${seq}`): ChatMessage {
  return {
    id: crypto.randomUUID(),
    seq,
    requestIdx: room,
    sender: seq % 2 ? "STU001" : "PROF001",
    senderName: seq % 2 ? "홍길동" : "김교수",
    type: "NORMAL",
    content,
    sentAt: new Date(Date.UTC(2025, 9, 24, 5, 15, 30) + seq).toISOString(),
    clientMsgId: crypto.randomUUID(),
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const seqs = (messages: ChatMessage[]) => messages.map((m) => m.seq);

describe.each([sqliteCase, upstashCase])("MessageStore contract: $name", (c) => {
  it("stores messages exactly as given, oldest first", () =>
    c.run(async ({ store, room }) => {
      const batch = [message(room, 1, "안녕하세요 😀 \"quoted\" \\ back"), message(room, 2)];
      await store.append(room, batch);
      expect(await store.list(room)).toEqual(batch);
      expect(await store.count(room)).toBe(2);
    }));

  it("keeps seq order under a burst of batches of every size", () =>
    c.run(async ({ store, room }) => {
      let next = 1;
      for (const size of [1, 5, 1, 20, 2, 50, 1, 120]) {
        await store.append(room, range(next, next + size - 1).map((s) => message(room, s)));
        next += size;
      }
      const all = await store.list(room);
      expect(seqs(all)).toEqual(range(1, next - 1));
      expect(await store.count(room)).toBe(next - 1);
    }));

  it("a retried batch that was (partly) stored already is not stored twice", () =>
    c.run(async ({ store, room }) => {
      const batch = range(1, 4).map((s) => message(room, s));
      await store.append(room, batch.slice(0, 2));
      await store.append(room, batch); // the room retries 1..4 after a failure it saw
      await store.append(room, batch.slice(2)); // and once more
      expect(await store.list(room)).toEqual(batch);
    }));

  it("a tail the room never recorded (it crashed after the store wrote) is replaced by what it stores under those seqs", () =>
    c.run(async ({ store, room }) => {
      const acked = range(1, 3).map((s) => message(room, s));
      await store.append(room, acked);
      await store.append(room, range(4, 6).map((s) => message(room, s, "never acked"))); // the crash
      const after = range(4, 5).map((s) => message(room, s, "after the restart"));
      await store.append(room, after);
      expect(await store.list(room)).toEqual([...acked, ...after]);
      expect(await store.count(room)).toBe(5);
    }));

  it("reads after a seq, the newest N, and both", () =>
    c.run(async ({ store, room }) => {
      await store.append(room, range(1, 10).map((s) => message(room, s)));
      expect(seqs(await store.list(room, { afterSeq: 7 }))).toEqual([8, 9, 10]);
      expect(seqs(await store.list(room, { afterSeq: 0 }))).toEqual(range(1, 10));
      expect(seqs(await store.list(room, { afterSeq: 10 }))).toEqual([]);
      expect(seqs(await store.list(room, { afterSeq: 99 }))).toEqual([]);
      expect(seqs(await store.list(room, { last: 3 }))).toEqual([8, 9, 10]);
      expect(seqs(await store.list(room, { last: 50 }))).toEqual(range(1, 10));
      expect(seqs(await store.list(room, { afterSeq: 4, last: 2 }))).toEqual([9, 10]);
      expect(seqs(await store.list(room, { afterSeq: 8, last: 5 }))).toEqual([9, 10]);
    }));

  it("an unknown room is empty", () =>
    c.run(async ({ store, room }) => {
      expect(await store.list(room)).toEqual([]);
      expect(await store.list(room, { afterSeq: 3 })).toEqual([]);
      expect(await store.count(room)).toBe(0);
    }));

  it("sets the TTL on append and refreshes it on every append", () =>
    c.run(async ({ store, room, ttlSeconds, age }) => {
      await store.append(room, [message(room, 1)]);
      expect(await ttlSeconds()).toBeGreaterThan(FULL_TTL - 60);
      await age(3600);
      const aged = (await ttlSeconds())!;
      expect(aged).toBeLessThanOrEqual(FULL_TTL - 3600);
      expect(aged).toBeGreaterThan(FULL_TTL - 3600 - 60);
      await store.append(room, [message(room, 2)]);
      expect(await ttlSeconds()).toBeGreaterThan(FULL_TTL - 60);
    }));

  it("expires as a whole when the TTL passes; later appends start a new list", () =>
    c.run(async ({ store, room, ttlSeconds, age }) => {
      await store.append(room, range(1, 3).map((s) => message(room, s)));
      await age(FULL_TTL + 1);
      expect(await store.list(room)).toEqual([]);
      expect(await store.count(room)).toBe(0);
      await store.append(room, [message(room, 4)]);
      expect(seqs(await store.list(room))).toEqual([4]);
      expect(await ttlSeconds()).toBeGreaterThan(FULL_TTL - 60);
    }));

  it("clear deletes the room's messages and TTL, and the room goes on after it", () =>
    c.run(async ({ store, room, ttlSeconds }) => {
      await store.append(room, range(1, 5).map((s) => message(room, s)));
      await store.clear(room);
      expect(await store.list(room)).toEqual([]);
      expect(await store.count(room)).toBe(0);
      expect(await ttlSeconds()).toBeNull();
      await store.clear(room); // clearing an empty room is fine
      await store.append(room, [message(room, 6)]);
      expect(seqs(await store.list(room))).toEqual([6]);
    }));
});

describe("embedded MessageStore: the hot list is a view of the room's log", () => {
  const message = (seq: number, content = `m${seq}`): ChatMessage => ({
    id: `id-${seq}-${content}`,
    seq,
    requestIdx: 1,
    sender: "S1",
    senderName: "학생",
    type: "NORMAL",
    content,
    sentAt: new Date(1_700_000_000_000 + seq).toISOString(),
    clientMsgId: `c-${seq}-${content}`,
  });
  const inRoom = (test: (sql: SqlStorage) => Promise<void>) =>
    runInDurableObject(env.ROOM.getByName(`contract-log-${crypto.randomUUID()}`), (_room, state) => test(state.storage.sql));
  const logged = (sql: SqlStorage) => sql.exec<{ seq: number }>(`SELECT seq FROM archive_log ORDER BY seq`).toArray().map((r) => r.seq);

  it("the TTL ends the list but never deletes a log row; the next append starts a new list", () =>
    inRoom(async (sql) => {
      let now = Date.now();
      const store = new SqliteMessageStore(sql, TTL_HOURS, () => now);
      await store.append(1, [message(1), message(2)]);
      now += FULL_TTL * 1000 + 1;
      expect(store.expireIfDue()).toBe(true);
      expect(await store.list(1)).toEqual([]);
      expect(logged(sql)).toEqual([1, 2]);
      await store.append(1, [message(3)]);
      expect((await store.list(1)).map((m) => m.seq)).toEqual([3]);
      expect(await store.count(1)).toBe(1);
      expect(logged(sql)).toEqual([1, 2, 3]);
      // A new instance (a wake) reads the floor back.
      expect((await new SqliteMessageStore(sql, TTL_HOURS, () => now).list(1)).map((m) => m.seq)).toEqual([3]);
    }));

  it("the first append after a wake drops a tail the room never recorded", () =>
    inRoom(async (sql) => {
      await new SqliteMessageStore(sql, TTL_HOURS).append(1, [message(1), message(2), message(3)]);
      // The room had recorded only seq 1: after the wake it hands out seq 2 again.
      await new SqliteMessageStore(sql, TTL_HOURS).append(1, [message(2, "again")]);
      expect(logged(sql)).toEqual([1, 2]);
      expect((await new SqliteMessageStore(sql, TTL_HOURS).list(1)).map((m) => m.content)).toEqual(["m1", "again"]);
    }));

  it("adopts a legacy hot_messages table into the log once", () =>
    inRoom(async (sql) => {
      sql.exec(`CREATE TABLE hot_messages (seq INTEGER PRIMARY KEY, json TEXT NOT NULL)`);
      for (const m of [message(1), message(2)]) sql.exec(`INSERT INTO hot_messages (seq, json) VALUES (?, ?)`, m.seq, JSON.stringify(m));
      const store = new SqliteMessageStore(sql, TTL_HOURS);
      expect((await store.list(1)).map((m) => m.seq)).toEqual([1, 2]);
      expect(sql.exec(`SELECT 1 FROM sqlite_master WHERE name = 'hot_messages'`).toArray()).toEqual([]);
    }));
});

describe("Upstash MessageStore failures", () => {
  it("an unreachable Upstash is UPSTREAM_UNAVAILABLE; the retried batch converges gapless", async () => {
    const store = upstashStore();
    const room = freshId();
    const batch = range(1, 6).map((s) => message(room, s));
    await store.append(room, batch.slice(0, 2));
    await whileDown("upstash", async () => {
      expect(await failureCode(store.append(room, batch.slice(2, 4)))).toBe("UPSTREAM_UNAVAILABLE");
      expect(await failureCode(store.list(room))).toBe("UPSTREAM_UNAVAILABLE");
      expect(await failureCode(store.count(room))).toBe("UPSTREAM_UNAVAILABLE");
      expect(await failureCode(store.clear(room))).toBe("UPSTREAM_UNAVAILABLE");
    });
    // The room retries the failed seqs, with the next ones queued behind them.
    await store.append(room, batch.slice(2));
    expect(await store.list(room)).toEqual(batch);
  });

  it("Redis erroring behind Upstash is UPSTREAM_UNAVAILABLE too", async () => {
    const store = upstashStore();
    const room = freshId();
    await whileDown("redis", async () => {
      expect(await failureCode(store.append(room, [message(room, 1)]))).toBe("UPSTREAM_UNAVAILABLE");
      expect(await failureCode(store.list(room, { afterSeq: 0 }))).toBe("UPSTREAM_UNAVAILABLE");
    });
    await store.append(room, [message(room, 1)]);
    expect(seqs(await store.list(room))).toEqual([1]);
  });

  it("a store that does not answer within the timeout is UPSTREAM_UNAVAILABLE, and nothing is retried after it", async () => {
    const store = new UpstashMessageStore({ ...stack.upstash, ttlHours: TTL_HOURS, timeoutMs: 400 });
    const room = freshId();
    await whileUpstashSlow(1_500, async () => {
      const started = Date.now();
      expect(await failureCode(store.append(room, [message(room, 1)]))).toBe("UPSTREAM_UNAVAILABLE");
      // Aborted at the deadline (0.9–1 × the timeout), not after the answer or a retry.
      expect(Date.now() - started).toBeLessThan(1_400);
    });
    // The gateway ran the command before it held the answer: the room's retry replaces it.
    await store.append(room, [message(room, 1), message(room, 2)]);
    expect(seqs(await store.list(room))).toEqual([1, 2]);
  });

  it("requests share a deadline within a tenth of the timeout, and get a new one after it", () => {
    let now = 0;
    const next = sharedDeadline(10_000, () => now);
    const first = next();
    now = 999;
    expect(next()).toBe(first);
    now = 1_000;
    const second = next();
    expect(second).not.toBe(first);
    expect(second.aborted).toBe(false);
  });

  it("a wrong token is UPSTREAM_UNAVAILABLE", async () => {
    const store = new UpstashMessageStore({ url: stack.upstash.url, token: "wrong", ttlHours: TTL_HOURS });
    expect(await failureCode(store.count(freshId()))).toBe("UPSTREAM_UNAVAILABLE");
  });
});
