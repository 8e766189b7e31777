/**
 * Counts the calls into a Durable Object that are still running (its handlers and RPC
 * methods), so that the object can tell when resetting itself would cut nothing off
 * (src/room/server-close.ts). Wraps the methods on the prototype, where the runtime looks
 * them up, and leaves their behaviour unchanged.
 */
const COUNT = Symbol("callsInFlight");

type Counted = { [COUNT]?: number };

export function countCallsInFlight<T extends object>(cls: { prototype: T }, names: ReadonlyArray<keyof T & string>): void {
  for (const name of names) {
    const original = cls.prototype[name] as unknown as (...args: unknown[]) => unknown;
    const counted = function (this: Counted, ...args: unknown[]): Promise<unknown> {
      this[COUNT] = (this[COUNT] ?? 0) + 1;
      const done = () => void (this[COUNT] = (this[COUNT] ?? 1) - 1);
      try {
        return Promise.resolve(original.apply(this, args)).finally(done);
      } catch (e) {
        done();
        return Promise.reject(e);
      }
    };
    Object.defineProperty(cls.prototype, name, { value: counted, writable: true, configurable: true });
  }
}

/** How many counted calls of `obj` are running now. */
export function callsInFlight(obj: object): number {
  return (obj as Counted)[COUNT] ?? 0;
}
