/**
 * Points an object's one alarm at the earliest of `deadlines` (ms since the epoch; null =
 * none), or clears it when there is none. Writes only when the alarm changes, so a re-arm
 * that finds it already right costs one read.
 */
export async function armEarliest(storage: DurableObjectStorage, deadlines: readonly (number | null | undefined)[]): Promise<void> {
  const due = deadlines.filter((t): t is number => typeof t === "number");
  const next = due.length ? Math.min(...due) : null;
  const current = await storage.getAlarm();
  if (next === null) {
    if (current !== null) await storage.deleteAlarm();
  } else if (current !== next) {
    await storage.setAlarm(next);
  }
}
