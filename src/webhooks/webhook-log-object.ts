import { DurableObject } from "cloudflare:workers";

/** One row of `GET /api/admin/webhooks` (SPEC section 10). */
export interface WebhookDelivery {
  eventId: string;
  type: string;
  url: string;
  attempts: number;
  lastStatus: number | null;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
  /** Set when the retries were spent and the event went to the dead-letter queue. */
  deadLetteredAt: string | null;
}

export interface AttemptRecord {
  eventId: string;
  type: string;
  url: string;
  ok: boolean;
  status: number | null;
  at: number;
}

/** Rows kept: the admin view shows recent deliveries, not an archive. */
export const WEBHOOK_LOG_KEEP = 5000;

interface Row extends Record<string, SqlStorageValue> {
  event_id: string;
  type: string;
  url: string;
  attempts: number;
  last_status: number | null;
  last_attempt_at: number | null;
  delivered_at: number | null;
  dead_at: number | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * The webhook deliveries log (one object, named "all"): one row per (event, URL), with
 * its attempts. It is also the consumer's memory of what a URL already answered 2xx to,
 * so a redelivered queue message never sends an event to that URL again.
 */
export class WebhookLogDO extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS deliveries (
      event_id TEXT NOT NULL, url TEXT NOT NULL, type TEXT NOT NULL, attempts INTEGER NOT NULL,
      last_status INTEGER, last_attempt_at INTEGER, delivered_at INTEGER, dead_at INTEGER,
      created_at INTEGER NOT NULL, PRIMARY KEY (event_id, url))`);
    ctx.storage.sql.exec(`CREATE INDEX IF NOT EXISTS deliveries_created ON deliveries (created_at)`);
  }

  /** Of `eventIds`, those `url` has not answered 2xx to yet. */
  async undelivered(url: string, eventIds: string[]): Promise<string[]> {
    const done = new Set(
      eventIds.length === 0
        ? []
        : this.ctx.storage.sql
            .exec<{ event_id: string }>(
              `SELECT event_id FROM deliveries WHERE url = ? AND delivered_at IS NOT NULL AND event_id IN (${eventIds.map(() => "?").join(",")})`,
              url,
              ...eventIds,
            )
            .toArray()
            .map((r) => r.event_id),
    );
    return eventIds.filter((id) => !done.has(id));
  }

  async record(attempts: AttemptRecord[]): Promise<void> {
    const sql = this.ctx.storage.sql;
    for (const a of attempts) {
      sql.exec(
        `INSERT INTO deliveries (event_id, url, type, attempts, last_status, last_attempt_at, delivered_at, created_at)
         VALUES (?, ?, ?, 1, ?, ?, ?, ?)
         ON CONFLICT (event_id, url) DO UPDATE SET attempts = attempts + 1, last_status = excluded.last_status,
           last_attempt_at = excluded.last_attempt_at, delivered_at = COALESCE(delivered_at, excluded.delivered_at)`,
        a.eventId, a.url, a.type, a.status, a.at, a.ok ? a.at : null, a.at,
      );
    }
    sql.exec(`DELETE FROM deliveries WHERE created_at < (SELECT created_at FROM deliveries ORDER BY created_at DESC LIMIT 1 OFFSET ?)`, WEBHOOK_LOG_KEEP);
  }

  /** The retries are spent (or the queue gave up): marked, never retried again. */
  async deadLettered(url: string, events: { eventId: string; type: string }[], at: number): Promise<void> {
    const sql = this.ctx.storage.sql;
    for (const e of events) {
      sql.exec(
        `INSERT INTO deliveries (event_id, url, type, attempts, created_at, dead_at) VALUES (?, ?, ?, 0, ?, ?)
         ON CONFLICT (event_id, url) DO UPDATE SET dead_at = COALESCE(dead_at, excluded.dead_at)`,
        e.eventId, url, e.type, at, at,
      );
    }
  }

  /** Newest first. */
  async list(limit: number): Promise<WebhookDelivery[]> {
    return this.ctx.storage.sql
      .exec<Row>(
        `SELECT event_id, type, url, attempts, last_status, last_attempt_at, delivered_at, dead_at FROM deliveries ORDER BY created_at DESC, event_id DESC LIMIT ?`,
        limit,
      )
      .toArray()
      .map((r) => ({
        eventId: r.event_id,
        type: r.type,
        url: r.url,
        attempts: r.attempts,
        lastStatus: r.last_status,
        lastAttemptAt: iso(r.last_attempt_at),
        deliveredAt: iso(r.delivered_at),
        deadLetteredAt: iso(r.dead_at),
      }));
  }
}
