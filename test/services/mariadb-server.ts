import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createConnection, type ConnectionOptions } from "mysql2/promise";
import { onFreePort, startDaemon, type Daemon } from "./daemon";

export interface MariadbServer {
  port: number;
  /** mysql2 options for the server's root user (no password, TCP on 127.0.0.1). */
  connection: ConnectionOptions;
  /** Creates a database (utf8mb4) if missing. */
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its data directory. */
  dispose(): Promise<void>;
}

/** PlanetScale's default sql_mode, so queries that MySQL would refuse fail here too. */
const SQL_MODE =
  "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION";

function mariadbd(): string {
  for (const path of ["/usr/sbin/mariadbd", "/usr/bin/mariadbd"]) if (existsSync(path)) return path;
  return "mariadbd";
}

async function answers(options: ConnectionOptions): Promise<boolean> {
  const conn = await createConnection({ ...options, connectTimeout: 1_000 });
  try {
    await conn.query("SELECT 1");
    return true;
  } finally {
    await conn.end();
  }
}

/**
 * A private MariaDB: a fresh data directory (mariadb-install-db, once per start-up of the
 * stack), its own port and socket, UTC and utf8mb4 like PlanetScale, in the foreground.
 * Runs as the current user, which is root on CI (hence `--user`).
 */
export async function startMariadb(): Promise<MariadbServer> {
  const dir = await mkdtemp(join(tmpdir(), "chat-mariadb-"));
  const datadir = join(dir, "data");
  const user = process.getuid?.() === 0 ? ["--user=root"] : [];
  try {
    await promisify(execFile)("mariadb-install-db", [
      "--no-defaults",
      `--datadir=${datadir}`,
      ...user,
      "--auth-root-authentication-method=normal",
      "--skip-test-db",
    ]);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed: ${(e as Error).message}`);
  }
  try {
    return await onFreePort(async (port) => {
      const args = [
        "--no-defaults",
        ...user,
        `--datadir=${datadir}`,
        `--socket=${join(dir, "mysqld.sock")}`,
        `--pid-file=${join(dir, "mysqld.pid")}`,
        `--port=${port}`,
        "--bind-address=127.0.0.1",
        "--skip-name-resolve",
        "--skip-log-bin",
        "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_unicode_ci",
        "--default-time-zone=+00:00",
        `--sql-mode=${SQL_MODE}`,
        "--innodb-buffer-pool-size=64M",
        // MySQL 8's default, which PlanetScale runs: no table-level AUTO-INC lock for an
        // INSERT … SELECT (MariaDB's default, 1, takes one, and parallel limited creates
        // then failed now and then with errno 1467 where PlanetScale would not).
        "--innodb-autoinc-lock-mode=2",
        // Test data is disposable: skip the fsyncs that make a small disk slow.
        "--innodb-flush-log-at-trx-commit=0",
        "--innodb-doublewrite=0",
      ];
      const connection: ConnectionOptions = { host: "127.0.0.1", port, user: "root", password: "" };
      let daemon: Daemon | null = null;
      const start = async () => {
        daemon ??= await startDaemon("mariadbd", mariadbd(), args, () => answers(connection), 60_000);
      };
      const stop = async () => {
        await daemon?.stop(30_000);
        daemon = null;
      };
      await start();
      return {
        port,
        connection,
        async createDatabase(name: string) {
          const conn = await createConnection(connection);
          try {
            await conn.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4`);
          } finally {
            await conn.end();
          }
        },
        start,
        stop,
        async dispose() {
          await stop();
          await rm(dir, { recursive: true, force: true });
        },
      };
    });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
