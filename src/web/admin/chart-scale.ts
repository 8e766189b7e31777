/** The chart's y axis, apart from the SVG so it can be unit-tested in Node. */

/** Nice round steps for the y axis (1, 2, 5 × 10^n). */
export function yTicks(max: number, count = 4): number[] {
  if (max <= 0) return [0, 1];
  const raw = max / count;
  const base = 10 ** Math.floor(Math.log10(raw));
  // Counts: never a step below 1.
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * base).find((s) => s >= raw) ?? raw);
  const ticks: number[] = [];
  for (let v = 0; v <= max + step / 2; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  if (ticks.at(-1)! < max) ticks.push(ticks.at(-1)! + step);
  return ticks;
}
