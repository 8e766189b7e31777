/** SPEC section 14's per-user socket cap, applied to STOMP connections too. */
export const STOMP_MAX_CONNECTIONS = 10;

/**
 * The user's STOMP connections (each a StompDO, by host name), kept by the user's inbox so
 * that a consultation that opens later (created for them, approved, taken from the queue)
 * reaches every connection: the inbox hears of it first (`consultationChanged`) and tells
 * them to follow its room. In SQLite, so it survives hibernation.
 */
export class StompHosts {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS stomp_hosts (host TEXT PRIMARY KEY)`);
  }

  list(): string[] {
    return this.sql.exec<{ host: string }>(`SELECT host FROM stomp_hosts`).toArray().map((r) => r.host);
  }

  /**
   * Adds `host` unless the user already has the maximum; entries whose connection is gone
   * without a close event (an evicted host) are pruned with `alive` before refusing.
   */
  async add(host: string, alive: (host: string) => Promise<boolean>): Promise<boolean> {
    if (this.list().length >= STOMP_MAX_CONNECTIONS) {
      const known = this.list();
      const checks = await Promise.all(known.map((h) => alive(h).catch(() => true)));
      known.forEach((h, i) => checks[i] || this.remove(h));
      if (this.list().length >= STOMP_MAX_CONNECTIONS) return false;
    }
    this.sql.exec(`INSERT INTO stomp_hosts (host) VALUES (?) ON CONFLICT (host) DO NOTHING`, host);
    return true;
  }

  remove(host: string): void {
    this.sql.exec(`DELETE FROM stomp_hosts WHERE host = ?`, host);
  }
}
