/**
 * InnoDB breaks a lock cycle by rolling back one of the transactions in it, whole, and
 * telling that client "Deadlock found" (errno 1213, SQLSTATE 40001); the MySQL manual's
 * remedy is to run the transaction again. Parallel limited creates by one requester meet
 * this: each `INSERT … SELECT` share-locks the requester's index range it counted, then
 * needs an insert-intention lock inside it. The rolled-back statement wrote nothing, so a
 * retry is safe for every statement of the PlanetScale repository.
 */

const DEADLOCK = /\(errno 1213\)|\(sqlstate 40001\)/i;

/** Whether `error` (or an error it wraps: drizzle puts the driver's in `cause`) is a deadlock rollback. */
export function isDeadlock(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (DEADLOCK.test(e.message)) return true;
  }
  return false;
}

export interface DeadlockRetry {
  /** Runs in all, the first included. */
  attempts: number;
  /** Upper bound of the first wait; each later one doubles it. The wait is uniform below it. */
  firstWaitMs: number;
  sleep: (ms: number) => Promise<void>;
}

const DEFAULTS: DeadlockRetry = {
  // Twelve creates racing on one requester (the contract test) see 6-9 deadlocks, each
  // settled by its first retry; eight runs leave wide room and still end within a second.
  attempts: 8,
  firstWaitMs: 4,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * `run`, again after a deadlock rollback, up to `attempts` runs. The waits are random so
 * the transactions that collided do not collide again in step. Any other error, and the
 * last deadlock, go to the caller.
 */
export async function retryingDeadlocks<T>(run: () => Promise<T>, options: Partial<DeadlockRetry> = {}): Promise<T> {
  const { attempts, firstWaitMs, sleep } = { ...DEFAULTS, ...options };
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      if (attempt >= attempts || !isDeadlock(e)) throw e;
      await sleep(Math.random() * firstWaitMs * 2 ** (attempt - 1));
    }
  }
}
