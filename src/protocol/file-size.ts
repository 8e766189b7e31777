/**
 * A file size as SPEC section 11 writes it: `512 B`, `12.3 KB`, `4.0 MB` (base 1024, one
 * decimal above bytes). Shared by the transcript and the browser's file chips.
 */
const UNITS = ["KB", "MB", "GB", "TB"] as const;

export function formatFileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  // Step up while the rounded figure would read 1024.0 or more (1023.96 KB is "1.0 MB").
  while (unit < UNITS.length - 1 && Math.round(value * 10) / 10 >= 1024) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}
