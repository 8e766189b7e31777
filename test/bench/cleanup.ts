/**
 * Everything the benchmark starts registers its stop here, so servers go away on a normal
 * end, on an error and on Ctrl-C alike.
 */
type Stop = () => Promise<void> | void;

const stops: Stop[] = [];
let installed = false;
let running: Promise<void> | null = null;

async function safely(stop: Stop): Promise<void> {
  try {
    await stop();
  } catch (e) {
    console.error("cleanup failed:", e);
  }
}

export function onCleanup(stop: Stop): void {
  // Started while the cleanup already runs (Ctrl-C during startup): stop it right away.
  if (running) {
    void safely(stop);
    return;
  }
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

/**
 * Runs every registered stop once, newest first; a failing stop does not skip the rest.
 * Every caller gets the same run, so an exit waits for stops another caller started.
 */
export function runCleanup(): Promise<void> {
  running ??= (async () => {
    while (stops.length) await safely(stops.pop()!);
  })();
  return running;
}

/** A probe script's end: its servers stopped whether `main` succeeded or threw (exit 1, the error printed). */
export function runThenCleanUp(main: () => Promise<void>): void {
  main()
    .then(runCleanup)
    .catch(async (e) => {
      console.error(e);
      await runCleanup();
      process.exit(1);
    });
}
