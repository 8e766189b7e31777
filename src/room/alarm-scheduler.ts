/**
 * A Durable Object has one alarm; the room needs several deadlines (hot-store TTL, token
 * expiry, throttled activity flush, backups, an auto-start to record). This multiplexes named deadlines onto that
 * one alarm: each kind has at most one deadline, kept in the room's SQLite storage (so it
 * survives hibernation and eviction), and the alarm is always set to the earliest one.
 *
 * To add a kind: add its name to DEADLINE_KINDS, register a handler with `on(kind, fn)` in
 * the room's constructor, and call `schedule(kind, atMs)` when it becomes due.
 */
export const DEADLINE_KINDS = ["ttl", "token-expiry", "activity", "snapshot", "start"] as const;
export type DeadlineKind = (typeof DEADLINE_KINDS)[number];

export type DeadlineHandler = (dueAtMs: number) => Promise<void> | void;

export class AlarmScheduler {
  private readonly handlers = new Map<DeadlineKind, DeadlineHandler>();
  /** The deadlines table, as stored: read once per wake, written through. */
  private readonly deadlines = new Map<DeadlineKind, number>();
  /** The DO alarm as this instance last set it (undefined: not set since the wake). */
  private alarmAt: number | null | undefined;

  constructor(
    private readonly sql: SqlStorage,
    private readonly storage: DurableObjectStorage,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS deadlines (kind TEXT PRIMARY KEY, at_ms INTEGER NOT NULL)`);
    for (const r of sql.exec<{ kind: DeadlineKind; at_ms: number }>(`SELECT kind, at_ms FROM deadlines`)) this.deadlines.set(r.kind, r.at_ms);
  }

  on(kind: DeadlineKind, handler: DeadlineHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Sets (or moves) the deadline of `kind`; free when it is already there. */
  async schedule(kind: DeadlineKind, atMs: number): Promise<void> {
    const at = Math.floor(atMs);
    if (this.deadlines.get(kind) === at) return;
    this.deadlines.set(kind, at);
    this.sql.exec(`INSERT INTO deadlines (kind, at_ms) VALUES (?, ?) ON CONFLICT (kind) DO UPDATE SET at_ms = excluded.at_ms`, kind, at);
    await this.arm();
  }

  /** Sets the deadline of `kind` unless one is already pending (throttling); free when one is. */
  async scheduleIfAbsent(kind: DeadlineKind, atMs: number): Promise<void> {
    if (!this.deadlines.has(kind)) await this.schedule(kind, atMs);
  }

  async cancel(kind: DeadlineKind): Promise<void> {
    if (!this.deadlines.delete(kind)) return;
    this.sql.exec(`DELETE FROM deadlines WHERE kind = ?`, kind);
    await this.arm();
  }

  deadline(kind: DeadlineKind): number | null {
    return this.deadlines.get(kind) ?? null;
  }

  /**
   * The DO's `alarm()`: runs every due handler (each deadline is removed before its
   * handler runs, so a handler may schedule its kind again), then re-arms. A handler that
   * throws is retried a minute later; the others still run.
   */
  async run(nowMs = Date.now()): Promise<void> {
    // The alarm that fired is spent: set it again whatever the deadlines are.
    this.alarmAt = undefined;
    const due = [...this.deadlines].filter(([, at]) => at <= nowMs).sort((a, b) => a[1] - b[1]);
    for (const [kind, at] of due) {
      if (this.deadlines.get(kind) !== at) continue;
      this.deadlines.delete(kind);
      this.sql.exec(`DELETE FROM deadlines WHERE kind = ? AND at_ms = ?`, kind, at);
      try {
        await this.handlers.get(kind)?.(at);
      } catch (error) {
        console.error(`room deadline ${kind} failed; retrying in a minute`, error);
        await this.scheduleIfAbsent(kind, Date.now() + 60_000);
      }
    }
    await this.arm();
  }

  /**
   * Points the DO alarm at the earliest deadline (or clears it). The first call of a wake
   * writes it without reading it first: no await stands between a deadline's row and the
   * alarm, so both are written in the turn that scheduled it (the output gate holds that
   * turn's acks until they are durable) and an eviction right after cannot leave a
   * deadline without its alarm.
   */
  private async arm(): Promise<void> {
    let next: number | null = null;
    for (const at of this.deadlines.values()) if (next === null || at < next) next = at;
    if (this.alarmAt === next) return;
    this.alarmAt = next;
    if (next === null) await this.storage.deleteAlarm();
    else await this.storage.setAlarm(next);
  }
}
