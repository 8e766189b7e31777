/**
 * `values` in runs of at most `size`: a Durable Object's SQLite takes at most 100 bound
 * parameters per statement, so an `IN (…)` over a caller's list is asked in parts.
 */
export function chunks<T>(values: readonly T[], size = 50): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}
