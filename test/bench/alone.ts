import type { Target } from "./targets";

function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // gone already
    }
  }
}

/**
 * Runs one system's step with every other system's server processes stopped (SIGSTOP,
 * then SIGCONT): the systems share the machine, and work one of them left for later
 * (the product's activity reports and backups on alarms, its queue batches) would
 * otherwise land in another system's minute and be counted as that system's latency.
 * Stopped servers keep their sockets and state; their timers run late, after the step.
 */
export async function alone<T>(target: Target, all: readonly Target[], measure: () => Promise<T>): Promise<T> {
  const others = all.filter((t) => t !== target).flatMap((t) => t.pids());
  signal(others, "SIGSTOP");
  try {
    return await measure();
  } finally {
    signal(others, "SIGCONT");
  }
}
