/**
 * Inbox tickets name their inbox: `<base64url(userCode)>.<secret>`. The Worker finds the
 * user's inbox from the first part and redeems the secret there, where it was issued
 * (single-use, ≤ 60 s: src/room/tickets.ts, shared by the inbox). A forged first part only leads to an inbox
 * that never issued that secret, so it proves nothing by itself.
 */
export function encodeInboxTicket(userCode: string, secret: string): string {
  const bytes = new TextEncoder().encode(userCode);
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return `${btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}.${secret}`;
}

/** The user code and secret of a ticket, or null when it is not shaped like one. */
export function decodeInboxTicket(ticket: string): { userCode: string; secret: string } | null {
  const match = /^([A-Za-z0-9_-]{1,200})\.([A-Za-z0-9_-]{20,100})$/.exec(ticket);
  if (!match) return null;
  try {
    const bin = atob(match[1]!.replace(/-/g, "+").replace(/_/g, "/"));
    const userCode = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0)));
    return userCode ? { userCode, secret: match[2]! } : null;
  } catch {
    return null;
  }
}
