import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { createPool, type FieldPacket, type PoolConnection, type PoolOptions, type QueryError, type ResultSetHeader } from "mysql2/promise";
import { startHttpService, type HttpService, type JsonReply } from "./http-service";

/**
 * PlanetScale's HTTP API (`/psdb.v1alpha1.Database/Execute` and `/CreateSession`) over a
 * real MariaDB, so that `@planetscale/database` and drizzle run unmodified in tests and
 * `npm run dev:stack` (facts: ../shared/notes/wire-protocols.md, "PlanetScale HTTP").
 * A test and dev tool, not part of the product.
 */
export interface PlanetscaleGateway extends HttpService {
  /** `host` for DATABASE_HOST: the gateway speaks http, so it is given as a URL. */
  host: string;
  username: string;
  password: string;
  close(): Promise<void>;
}

interface Session {
  conn: PoolConnection;
  lastUsed: number;
  /** Statements of one session run one after another, like on one MySQL connection. */
  queue: Promise<unknown>;
}

type Raw = Buffer | null;

const EXECUTE = "/psdb.v1alpha1.Database/Execute";
const CREATE_SESSION = "/psdb.v1alpha1.Database/CreateSession";
/** A transaction idle this long is rolled back, so a client that died cannot hold locks. */
const SESSION_IDLE_MS = 60_000;
const BINARY_CHARSET = 63;

/** Vitess type names by MySQL column type (wire-protocols.md); integers get a U when unsigned. */
const TYPE_NAMES: Record<number, string> = {
  0: "DECIMAL", 246: "DECIMAL", 1: "INT8", 2: "INT16", 9: "INT24", 3: "INT32", 8: "INT64",
  4: "FLOAT32", 5: "FLOAT64", 7: "TIMESTAMP", 10: "DATE", 14: "DATE", 11: "TIME", 12: "DATETIME",
  13: "YEAR", 16: "BIT", 245: "JSON", 247: "ENUM", 248: "SET", 255: "GEOMETRY",
};
const STRING_TYPES: Record<number, [text: string, binary: string]> = {
  15: ["VARCHAR", "VARBINARY"], 253: ["VARCHAR", "VARBINARY"], 254: ["CHAR", "BINARY"],
  249: ["TEXT", "BLOB"], 250: ["TEXT", "BLOB"], 251: ["TEXT", "BLOB"], 252: ["TEXT", "BLOB"],
};
const UNSIGNED_FLAG = 32;

function typeName(field: FieldPacket): string | undefined {
  const type = field.columnType ?? field.type ?? 6;
  const flags = typeof field.flags === "number" ? field.flags : 0;
  // MariaDB stores JSON as LONGTEXT and says so only in its extended metadata.
  if (field.extendedFormat === "json") return "JSON";
  const strings = STRING_TYPES[type];
  if (strings) return field.characterSet === BINARY_CHARSET ? strings[1] : strings[0];
  const name = TYPE_NAMES[type];
  if (name?.startsWith("INT") && flags & UNSIGNED_FLAG) return `U${name}`;
  return name; // NULL-typed columns omit `type`
}

/** protobuf-JSON style: zero and empty fields are left out. */
function compact(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== "" && v !== 0));
}

function encodeField(field: FieldPacket): Record<string, unknown> {
  return compact({
    name: field.name,
    type: typeName(field),
    table: field.table,
    orgTable: field.orgTable,
    database: field.schema ?? field.db,
    orgName: field.orgName,
    columnLength: field.columnLength,
    charset: field.characterSet,
    flags: typeof field.flags === "number" ? field.flags : undefined,
    decimals: field.decimals,
  });
}

function encodeRow(row: Raw[]): { lengths: string[]; values?: string } {
  const present = row.filter((v): v is Buffer => v !== null);
  const values = Buffer.concat(present).toString("base64");
  return { lengths: row.map((v) => (v === null ? "-1" : String(v.length))), ...(values ? { values } : {}) };
}

function encodeResult(rows: unknown, fields: FieldPacket[] | undefined): Record<string, unknown> {
  if (!fields) {
    const header = rows as ResultSetHeader;
    return compact({
      rowsAffected: header.affectedRows ? String(header.affectedRows) : undefined,
      insertId: header.insertId && String(header.insertId) !== "0" ? String(header.insertId) : undefined,
    });
  }
  const list = rows as Raw[][];
  return { fields: fields.map(encodeField), ...(list.length ? { rows: list.map(encodeRow) } : {}) };
}

/** PlanetScale's error shape: the MySQL errno and sqlstate are part of the message. */
function encodeError(e: unknown): { message: string; code: string } {
  const err = e as Partial<QueryError> & Error & { sqlMessage?: string };
  if (typeof err.errno === "number" && err.sqlState) {
    const code = err.errno === 1062 ? "ALREADY_EXISTS" : err.errno === 1064 ? "INVALID_ARGUMENT" : "UNKNOWN";
    return { message: `${err.sqlMessage ?? err.message} (errno ${err.errno}) (sqlstate ${err.sqlState})`, code };
  }
  return { message: `target: gateway: unavailable: ${err.message || err.code || String(e)}`, code: "UNAVAILABLE" };
}

const BEGINS = /^\s*(begin|start\s+transaction)\b/i;
const ENDS = /^\s*(commit|rollback)\b(?!\s+(work\s+)?to\b)/i;

export async function startPlanetscaleGateway(options: {
  mysql: PoolOptions;
  username: string;
  password: string;
}): Promise<PlanetscaleGateway> {
  const pool = createPool({ ...options.mysql, connectionLimit: 20, supportBigNumbers: true, bigNumberStrings: true });
  const sessions = new Map<string, Session>();
  const expected = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString("base64")}`;

  // The raw bytes of every value: the gateway re-encodes them, the client casts them.
  const run = (conn: { query: PoolConnection["query"] }, sql: string) =>
    conn.query({ sql, rowsAsArray: true, typeCast: (field) => field.buffer() });

  const reaper = setInterval(() => {
    for (const [id, s] of sessions) {
      if (Date.now() - s.lastUsed > SESSION_IDLE_MS) {
        sessions.delete(id);
        s.conn.destroy();
      }
    }
  }, 5_000);
  reaper.unref();

  /**
   * Runs one statement. A transaction pins a pooled connection to its session from BEGIN
   * to COMMIT/ROLLBACK; everything else runs on any pooled connection.
   */
  async function execute(query: string, sessionId: string): Promise<Record<string, unknown>> {
    let session = sessions.get(sessionId);
    if (!session && BEGINS.test(query)) {
      session = { conn: await pool.getConnection(), lastUsed: Date.now(), queue: Promise.resolve() };
      sessions.set(sessionId, session);
    }
    if (!session) {
      const [rows, fields] = await run(pool, query);
      return encodeResult(rows, fields);
    }
    const s = session;
    s.lastUsed = Date.now();
    const step = s.queue.then(async () => {
      try {
        const [rows, fields] = await run(s.conn, query);
        if (ENDS.test(query)) {
          sessions.delete(sessionId);
          s.conn.release();
        }
        return encodeResult(rows, fields);
      } catch (e) {
        if ((e as QueryError).fatal) {
          sessions.delete(sessionId);
          s.conn.destroy();
        }
        throw e;
      }
    });
    s.queue = step.catch(() => undefined);
    return step;
  }

  async function handle(req: IncomingMessage, body: unknown): Promise<JsonReply> {
    if (req.headers.authorization !== expected) {
      return { status: 401, body: { error: { code: "UNAUTHENTICATED", message: "invalid username or password" } } };
    }
    const path = (req.url ?? "").split("?")[0];
    if (path === CREATE_SESSION) return { status: 200, body: { session: { gatewaySession: randomUUID() } } };
    if (path !== EXECUTE) return { status: 404, body: { error: { code: "NOT_FOUND", message: `no endpoint ${path}` } } };

    const { query, session } = (body ?? {}) as { query?: unknown; session?: { gatewaySession?: unknown } | null };
    const sessionId = typeof session?.gatewaySession === "string" ? session.gatewaySession : randomUUID();
    const echo = { gatewaySession: sessionId };
    if (typeof query !== "string" || !query.trim()) {
      return { status: 200, body: { session: echo, error: { code: "INVALID_ARGUMENT", message: "query is required" } } };
    }
    const started = performance.now();
    try {
      const result = await execute(query, sessionId);
      return { status: 200, body: { session: echo, result, timing: (performance.now() - started) / 1000 } };
    } catch (e) {
      return { status: 200, body: { session: echo, error: encodeError(e) } };
    }
  }

  const http = await startHttpService(handle);
  return {
    ...http,
    host: http.url,
    username: options.username,
    password: options.password,
    async close() {
      await http.down();
      clearInterval(reaper);
      for (const s of sessions.values()) s.conn.destroy();
      sessions.clear();
      await pool.end();
    },
  };
}
