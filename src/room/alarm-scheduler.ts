/**
 * A Durable Object has one alarm; the room needs several deadlines (hot-store TTL, token
 * expiry, throttled activity flush, backups). This multiplexes named deadlines onto that
 * one alarm: each kind has at most one deadline, kept in the room's SQLite storage (so it
 * survives hibernation and eviction), and the alarm is always set to the earliest one.
 *
 * To add a kind: add its name to DEADLINE_KINDS, register a handler with `on(kind, fn)` in
 * the room's constructor, and call `schedule(kind, atMs)` when it becomes due.
 */
export const DEADLINE_KINDS = ["ttl", "token-expiry", "activity", "snapshot"] as const;
export type DeadlineKind = (typeof DEADLINE_KINDS)[number];

export type DeadlineHandler = (dueAtMs: number) => Promise<void> | void;

export class AlarmScheduler {
  private readonly handlers = new Map<DeadlineKind, DeadlineHandler>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly storage: DurableObjectStorage,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS deadlines (kind TEXT PRIMARY KEY, at_ms INTEGER NOT NULL)`);
  }

  on(kind: DeadlineKind, handler: DeadlineHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Sets (or moves) the deadline of `kind`. */
  async schedule(kind: DeadlineKind, atMs: number): Promise<void> {
    this.sql.exec(
      `INSERT INTO deadlines (kind, at_ms) VALUES (?, ?) ON CONFLICT (kind) DO UPDATE SET at_ms = excluded.at_ms`,
      kind,
      Math.floor(atMs),
    );
    await this.arm();
  }

  /** Sets the deadline of `kind` unless one is already pending (throttling). */
  async scheduleIfAbsent(kind: DeadlineKind, atMs: number): Promise<void> {
    if (this.deadline(kind) === null) await this.schedule(kind, atMs);
  }

  async cancel(kind: DeadlineKind): Promise<void> {
    this.sql.exec(`DELETE FROM deadlines WHERE kind = ?`, kind);
    await this.arm();
  }

  deadline(kind: DeadlineKind): number | null {
    const row = this.sql.exec<{ at_ms: number }>(`SELECT at_ms FROM deadlines WHERE kind = ?`, kind).toArray()[0];
    return row ? row.at_ms : null;
  }

  /**
   * The DO's `alarm()`: runs every due handler (each deadline is removed before its
   * handler runs, so a handler may schedule its kind again), then re-arms. A handler that
   * throws is retried a minute later; the others still run.
   */
  async run(nowMs = Date.now()): Promise<void> {
    const due = this.sql
      .exec<{ kind: DeadlineKind; at_ms: number }>(`SELECT kind, at_ms FROM deadlines WHERE at_ms <= ? ORDER BY at_ms`, nowMs)
      .toArray();
    for (const { kind, at_ms } of due) {
      this.sql.exec(`DELETE FROM deadlines WHERE kind = ? AND at_ms = ?`, kind, at_ms);
      try {
        await this.handlers.get(kind)?.(at_ms);
      } catch (error) {
        console.error(`room deadline ${kind} failed; retrying in a minute`, error);
        await this.scheduleIfAbsent(kind, Date.now() + 60_000);
      }
    }
    await this.arm();
  }

  /** Points the DO alarm at the earliest deadline (or clears it). */
  private async arm(): Promise<void> {
    const next = this.sql.exec<{ at: number | null }>(`SELECT MIN(at_ms) AS at FROM deadlines`).one().at;
    const current = await this.storage.getAlarm();
    if (next === null) {
      if (current !== null) await this.storage.deleteAlarm();
    } else if (current !== next) {
      await this.storage.setAlarm(next);
    }
  }
}
