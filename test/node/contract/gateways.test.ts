import { Client, DatabaseError } from "@planetscale/database";
import { Redis } from "@upstash/redis";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/planetscale-serverless";
import { randomUUID } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { createPlanetscaleClient } from "../../../src/stores/consultation-repository/planetscale";
import { consultationRequest } from "../../../src/stores/consultation-repository/mysql-schema";

/**
 * The test gateways speak the real protocols: the production clients, unmodified, against
 * redis-server and MariaDB behind them (Node side; the adapters' own suites run in workerd).
 */
const stack = inject("stack");
const redis = () => new Redis({ ...stack.upstash, retry: false, enableTelemetry: false });
const key = (name: string) => `gateway-test:${randomUUID()}:${name}`;

describe("Upstash gateway with @upstash/redis", () => {
  it("round-trips JSON, Unicode, numbers and nil", async () => {
    const r = redis();
    const k = key("json");
    await r.set(k, { text: "안녕하세요 😀", n: 42 });
    expect(await r.get(k)).toEqual({ text: "안녕하세요 😀", n: 42 });
    expect(await r.get(key("missing"))).toBeNull();
    expect(await r.incrby(key("counter"), 5)).toBe(5);
  });

  it("keeps list order and TTLs through auto-pipelined commands", async () => {
    const r = redis();
    const k = key("list");
    const pushes = await Promise.all(["a", "b", "c"].map((v) => r.rpush(k, v)));
    expect(pushes).toEqual([1, 2, 3]);
    await r.expire(k, 100);
    expect(await r.lrange(k, 0, -1)).toEqual(["a", "b", "c"]);
    expect(await r.ttl(k)).toBeGreaterThan(90);
  });

  it("runs explicit pipelines and MULTI transactions, reporting per-command errors", async () => {
    const r = redis();
    const k = key("tx");
    expect(await r.multi().set(k, "v").get(k).exec()).toEqual(["OK", "v"]);
    const pipe = r.pipeline().get(k).lpush(k, "x");
    await expect(pipe.exec()).rejects.toThrow(/WRONGTYPE/);
    await expect(r.lpush(k, "x")).rejects.toThrow(/WRONGTYPE/);
  });

  it("runs Lua scripts through EVALSHA with the NOSCRIPT fallback", async () => {
    const script = redis().createScript<string>(`return ARGV[1] .. redis.call('GET', KEYS[1])`);
    const k = key("lua");
    await redis().set(k, "world");
    expect(await script.exec([k], ["hello "])).toBe("hello world");
    expect(await script.exec([k], ["bye "])).toBe("bye world");
  });

  it("refuses a wrong token with 401 Unauthorized", async () => {
    const r = new Redis({ url: stack.upstash.url, token: "wrong", retry: false, enableTelemetry: false });
    await expect(r.get("x")).rejects.toThrow(/Unauthorized/);
  });
});

describe("PlanetScale gateway with @planetscale/database and drizzle", () => {
  const client = () => createPlanetscaleClient(stack.database);

  it("casts column types the way PlanetScale does", async () => {
    const { rows } = await client().execute(
      "SELECT CAST(9007199254740993 AS UNSIGNED) AS big, 7 AS small, CAST(1.5 AS DECIMAL(4,2)) AS amount, " +
        "CAST('2025-10-24 05:15:30.123' AS DATETIME(3)) AS at, NULL AS nothing, '안녕 😀' AS text, x'00ff' AS bin",
    );
    expect(rows[0]).toEqual({
      big: "9007199254740993",
      small: 7,
      amount: "1.50",
      at: "2025-10-24 05:15:30.123",
      nothing: null,
      text: "안녕 😀",
      bin: new Uint8Array([0, 255]),
    });
  });

  it("reports MySQL errors with errno and sqlstate", async () => {
    const err = await client().execute("SELECT * FROM no_such_table").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    expect((err as Error).message).toMatch(/errno 1146.*sqlstate 42S02/);
  });

  it("keeps a transaction on one connection: rollback discards, commit keeps", async () => {
    const db = drizzle({ client: client() });
    const title = `tx-${randomUUID()}`;
    const row = {
      status: "PENDING" as const,
      requesterUserCode: "GW001",
      requesterName: "게이트웨이",
      title,
      createdAt: new Date("2025-10-24T05:15:30.123Z"),
      updatedAt: new Date("2025-10-24T05:15:30.123Z"),
    };
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(consultationRequest).values(row);
        // Visible inside the transaction (same session, same connection)...
        expect(await tx.select().from(consultationRequest).where(eq(consultationRequest.title, title))).toHaveLength(1);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    // ...and gone after the rollback.
    expect(await db.select().from(consultationRequest).where(eq(consultationRequest.title, title))).toHaveLength(0);

    await db.transaction(async (tx) => {
      await tx.insert(consultationRequest).values(row);
    });
    const [stored] = await db.select().from(consultationRequest).where(eq(consultationRequest.title, title));
    expect(stored).toMatchObject({ requesterName: "게이트웨이", createdAt: row.createdAt, recipientUserCode: null });
    const [{ requestIdx }] = (await db.insert(consultationRequest).values({ ...row, title: `${title}-2` }).$returningId()) as [
      { requestIdx: number },
    ];
    expect(requestIdx).toBeGreaterThan(stored!.requestIdx);
  });

  it("refuses wrong credentials", async () => {
    const wrong = new Client({ url: stack.database.host.replace("//", "//chat:wrong@") });
    await expect(wrong.execute("SELECT 1")).rejects.toThrow(/invalid username or password/);
  });
});
