import type { PushSubscriptionJson } from "../events/consumers/web-push";

/** One device of a user: a browser's Web Push subscription or a native app's FCM token. */
export type PushTarget =
  | { kind: "webpush"; id: string; subscription: PushSubscriptionJson }
  | { kind: "fcm"; id: string; token: string };

/** SPEC 10 allows several per user; beyond this many the oldest is replaced (devices come and go). */
export const MAX_TARGETS_PER_USER = 20;

interface Row extends Record<string, SqlStorageValue> {
  id: string;
  kind: string;
  address: string;
  p256dh: string | null;
  auth: string | null;
}

/**
 * A user's push targets in their PushDO's SQLite. The id is the address itself (endpoint
 * or token), so subscribing again from the same browser updates its keys instead of
 * adding a second row, and a push service's 404/410 removes exactly that device.
 */
export class PushTargets {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS push_targets (
      id TEXT PRIMARY KEY, kind TEXT NOT NULL, address TEXT NOT NULL,
      p256dh TEXT, auth TEXT, created_at INTEGER NOT NULL)`);
  }

  addWebPush(subscription: PushSubscriptionJson, nowMs: number): void {
    this.upsert(`webpush:${subscription.endpoint}`, "webpush", subscription.endpoint, subscription.keys.p256dh, subscription.keys.auth, nowMs);
  }

  addFcm(token: string, nowMs: number): void {
    this.upsert(`fcm:${token}`, "fcm", token, null, null, nowMs);
  }

  /** Removes a target by its address; true when there was one. */
  remove(kind: PushTarget["kind"], address: string): boolean {
    return this.sql.exec(`DELETE FROM push_targets WHERE id = ?`, `${kind}:${address}`).rowsWritten > 0;
  }

  removeById(id: string): void {
    this.sql.exec(`DELETE FROM push_targets WHERE id = ?`, id);
  }

  all(): PushTarget[] {
    return this.sql.exec<Row>(`SELECT id, kind, address, p256dh, auth FROM push_targets ORDER BY created_at`).toArray().map((r) =>
      r.kind === "fcm"
        ? { kind: "fcm", id: r.id, token: r.address }
        : { kind: "webpush", id: r.id, subscription: { endpoint: r.address, keys: { p256dh: r.p256dh ?? "", auth: r.auth ?? "" } } },
    );
  }

  count(): number {
    return this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM push_targets`).one().n;
  }

  private upsert(id: string, kind: string, address: string, p256dh: string | null, auth: string | null, nowMs: number): void {
    this.sql.exec(
      `INSERT INTO push_targets (id, kind, address, p256dh, auth, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth, created_at = excluded.created_at`,
      id, kind, address, p256dh, auth, nowMs,
    );
    const extra = this.count() - MAX_TARGETS_PER_USER;
    if (extra > 0) this.sql.exec(`DELETE FROM push_targets WHERE id IN (SELECT id FROM push_targets ORDER BY created_at LIMIT ?)`, extra);
  }
}
