import { randomBytes } from "node:crypto";
import { migrateMysql } from "../../scripts/db-migrate-mysql";
import { startHttpService, type HttpService, type JsonReply } from "./http-service";
import { startMariadb, type MariadbServer } from "./mariadb-server";
import { startPlanetscaleGateway, type PlanetscaleGateway } from "./planetscale-gateway";
import { startRedis, type RedisServer } from "./redis-server";
import { startS3rver, type RunningS3 } from "./s3rver";
import { startUpstashGateway, type UpstashGateway } from "./upstash-gateway";

/**
 * The production stack on this machine: redis-server behind the Upstash gateway, MariaDB
 * behind the PlanetScale gateway (migrated), and s3rver behind its SigV4 front. Used by
 * the contract suites (global-setup.ts), `npm run dev:stack` and the production e2e run.
 */

/** Everything a test or a Worker needs to reach the stack; plain JSON (vitest `provide`). */
export interface StackInfo {
  upstash: { url: string; token: string };
  database: { host: string; username: string; password: string };
  s3: { endpoint: string; region: string; bucket: string; accessKeyId: string; secretAccessKey: string };
  /** The Worker variables that select all three production adapters. */
  vars: Record<string, string>;
  /**
   * `POST {control}/{service}/{down|up}` with service `upstash` or `planetscale` (the
   * gateway stops listening: unreachable) or `redis` (redis-server stops: the gateway
   * answers errors; it comes back empty). Answers `{ok: true}`.
   * `POST {control}/upstash/delay/{minMs}/{maxMs}`: every Upstash answer is held that long
   * (`/upstash/delay/0/0` ends it).
   */
  control: string;
}

export interface Stack {
  info: StackInfo;
  stop(): Promise<void>;
}

export const DATABASE_NAME = "consultation_chat";

type Switch = { down(): Promise<void>; up(): Promise<void> };

async function startControl(switches: Record<string, Switch>, delays: { upstash?: Pick<UpstashGateway, "delay"> }): Promise<HttpService> {
  return startHttpService(async (req): Promise<JsonReply> => {
    const [, service, action, ...args] = (req.url ?? "").split("?")[0]!.split("/");
    if (service === "upstash" && action === "delay" && delays.upstash) {
      const [min, max] = args.map(Number);
      if (!Number.isFinite(min) || !Number.isFinite(max) || min! < 0 || max! < min!) {
        return { status: 400, body: { error: "use /upstash/delay/{minMs}/{maxMs}" } };
      }
      delays.upstash.delay(min!, max!);
      return { status: 200, body: { ok: true } };
    }
    const target = switches[service ?? ""];
    if (!target || (action !== "down" && action !== "up")) {
      return { status: 404, body: { error: `use /{${Object.keys(switches).join("|")}}/{down|up}` } };
    }
    await target[action]();
    return { status: 200, body: { ok: true } };
  });
}

/** Stops whatever started, in reverse order, even if one of them fails. */
async function stopAll(stops: (() => Promise<void>)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const stop of [...stops].reverse()) await stop().catch((e: unknown) => failures.push(e));
  if (failures.length) throw new AggregateError(failures, "stopping the stack failed");
}

/** The values of promises that all settled, or the first failure among them (typed as a tuple). */
function settled<T extends readonly unknown[]>(results: { [K in keyof T]: PromiseSettledResult<T[K]> }): T {
  const failed = (results as readonly PromiseSettledResult<unknown>[]).find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return (results as readonly PromiseSettledResult<unknown>[]).map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** `wrangler dev` arguments that set the Worker's variables (they override .dev.vars). */
export function wranglerVarArgs(vars: Record<string, string>): string[] {
  return Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
}

export async function startStack(): Promise<Stack> {
  const stops: (() => Promise<void>)[] = [];
  try {
    // In parallel (MariaDB's install-db dominates); every server that did start is stopped
    // again if another one failed.
    const [redis, mariadb, s3] = settled(
      await Promise.allSettled([
        startRedis().then((r: RedisServer) => (stops.push(() => r.dispose()), r)),
        startMariadb().then((m: MariadbServer) => (stops.push(() => m.dispose()), m)),
        startS3rver().then((s: RunningS3) => (stops.push(() => s.stop()), s)),
      ]),
    );
    await mariadb.createDatabase(DATABASE_NAME);

    const upstash: UpstashGateway = await startUpstashGateway({
      redisUrl: redis.url,
      token: randomBytes(16).toString("hex"),
    });
    stops.push(() => upstash.close());
    const planetscale: PlanetscaleGateway = await startPlanetscaleGateway({
      mysql: { ...mariadb.connection, database: DATABASE_NAME },
      username: "chat",
      password: `pscale_pw_${randomBytes(12).toString("hex")}`,
    });
    stops.push(() => planetscale.close());
    const database = { host: planetscale.host, username: planetscale.username, password: planetscale.password };
    await migrateMysql(database);

    const control = await startControl(
      {
        upstash,
        planetscale,
        redis: {
          down: () => redis.stop(),
          up: async () => {
            await redis.start();
            await upstash.whenReady();
          },
        },
      },
      { upstash },
    );
    stops.push(() => control.down());

    const info: StackInfo = {
      upstash: { url: upstash.url, token: upstash.token },
      database,
      s3: { endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      vars: {
        UPSTASH_REDIS_REST_URL: upstash.url,
        UPSTASH_REDIS_REST_TOKEN: upstash.token,
        DATABASE_HOST: database.host,
        DATABASE_USERNAME: database.username,
        DATABASE_PASSWORD: database.password,
        ...s3.vars,
      },
      control: control.url,
    };
    return { info, stop: () => stopAll(stops) };
  } catch (e) {
    await stopAll(stops).catch(() => undefined);
    throw e;
  }
}
