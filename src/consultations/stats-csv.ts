import type { Measures, MetricsResult } from "../stores/consultation-repository/port";

/**
 * The metrics as CSV (RFC 4180, CRLF): a header row, one row per group, then the totals
 * (kind `total`), with exactly the numbers of the JSON; an empty cell is a JSON null.
 */
const COLUMNS: [string, (m: Measures) => number | null][] = [
  ["created", (m) => m.created],
  ["completed", (m) => m.completed],
  ["rejected", (m) => m.rejected],
  ["cancelled", (m) => m.cancelled],
  ["messages", (m) => m.messages],
  ["waitSecondsMean", (m) => m.waitSeconds.mean],
  ["waitSecondsP90", (m) => m.waitSeconds.p90],
  ["firstResponseSecondsMean", (m) => m.firstResponseSeconds.mean],
  ["firstResponseSecondsP90", (m) => m.firstResponseSeconds.p90],
  ["durationMinutesMean", (m) => m.durationMinutes.mean],
];

const STATS_CSV_HEADER = ["kind", "key", ...COLUMNS.map(([name]) => name)];

/**
 * A text cell: quoted when it holds a separator, quote or line break; a leading = + - @
 * (a formula to spreadsheet apps) is defused with a leading apostrophe.
 */
function cell(value: string | null): string {
  if (value === null) return "";
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

const row = (kind: string, key: string | null, m: Measures) =>
  [kind, cell(key), ...COLUMNS.map(([, get]) => {
    const v = get(m);
    return v === null ? "" : String(v);
  })].join(",");

export function statsCsv(result: MetricsResult): string {
  const lines = [STATS_CSV_HEADER.join(","), ...result.groups.map((g) => row("group", g.key, g)), row("total", null, result.totals)];
  return lines.map((l) => `${l}\r\n`).join("");
}
