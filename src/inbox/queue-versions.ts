/**
 * The newest queue snapshot an inbox sent, per category (see broadcastQueue): notices of
 * two racing queue changes may arrive in either order, and the older snapshot must not
 * replace the newer one on the counselor's screen. In SQLite, so it holds across evictions.
 */
export class QueueVersions {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS inbox_queue_versions (category TEXT PRIMARY KEY, version TEXT NOT NULL)`);
  }

  /** Records `version` for `category` and returns true, unless a newer one is recorded. */
  advance(category: string, version: string): boolean {
    const moved = this.sql
      .exec(
        `INSERT INTO inbox_queue_versions (category, version) VALUES (?, ?)
         ON CONFLICT (category) DO UPDATE SET version = excluded.version WHERE excluded.version >= inbox_queue_versions.version
         RETURNING version`,
        category,
        version,
      )
      .toArray();
    return moved.length > 0;
  }

  /** With the last socket gone, the next connect's `ready` is the baseline. */
  clear(): void {
    this.sql.exec(`DELETE FROM inbox_queue_versions`);
  }
}
