/**
 * `Content-Disposition` with an RFC 6266 file name: an ASCII `filename` fallback for old
 * clients plus `filename*=UTF-8''…` (RFC 8187) that carries the real name, so Korean names
 * survive. Quotes, backslashes, control characters and path separators never reach the
 * header or the user's disk.
 */
export function contentDisposition(kind: "attachment" | "inline", name: string): string {
  const clean = name.replace(/[\u0000-\u001f\u007f/\\]/g, "_");
  const fallback = clean.replace(/[^\x20-\x7e]/g, "_").replace(/["%]/g, "_") || "file";
  const encoded = encodeURIComponent(clean).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
