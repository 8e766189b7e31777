/**
 * Resolves in a later macrotask: the events already queued in this isolate (other frames,
 * other rooms' messages) run first, and what is written then does not hold this turn's
 * outgoing frames. A zero-delay timer, not a wait: it never keeps an object from
 * hibernating (DESIGN.md decision 2 is about waits).
 */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
