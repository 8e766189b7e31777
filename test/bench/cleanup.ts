/**
 * Everything the benchmark starts registers its stop here, so servers go away on a normal
 * end, on an error and on Ctrl-C alike.
 */
type Stop = () => Promise<void> | void;

const stops: Stop[] = [];
let installed = false;

export function onCleanup(stop: Stop): void {
  stops.push(stop);
  if (installed) return;
  installed = true;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping servers`);
      void runCleanup().finally(() => process.exit(130));
    });
  }
}

/** Runs every registered stop once, newest first; a failing stop does not skip the rest. */
export async function runCleanup(): Promise<void> {
  while (stops.length) {
    const stop = stops.pop()!;
    try {
      await stop();
    } catch (e) {
      console.error("cleanup failed:", e);
    }
  }
}
