import type { User } from "../domain/types";

/** SPEC section 3: a WebSocket ticket is valid for at most 60 seconds. */
export const TICKET_TTL_SECONDS = 60;

/**
 * Single-use WebSocket tickets for browsers (which cannot set `Authorization` on a
 * WebSocket). The book lives in the room's Durable Object SQLite: a ticket is bound to
 * its room by where it is stored, and to its user by the row. Redeeming deletes the row in
 * the same synchronous step that reads it, so a ticket can never be used twice, even by
 * two connects racing each other.
 */
export class TicketBook {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS tickets (ticket TEXT PRIMARY KEY, user_json TEXT NOT NULL, expires_ms INTEGER NOT NULL)`);
  }

  /** Issues a ticket for `user`; it never outlives the user's own token. */
  issue(user: User, nowMs = Date.now()): { ticket: string; expiresIn: number } {
    this.sql.exec(`DELETE FROM tickets WHERE expires_ms <= ?`, nowMs);
    const tokenLeftMs = user.exp === null ? Infinity : user.exp * 1000 - nowMs;
    const lifetimeMs = Math.max(0, Math.min(TICKET_TTL_SECONDS * 1000, tokenLeftMs));
    const ticket = randomTicket();
    this.sql.exec(`INSERT INTO tickets (ticket, user_json, expires_ms) VALUES (?, ?, ?)`, ticket, JSON.stringify(user), nowMs + lifetimeMs);
    return { ticket, expiresIn: Math.floor(lifetimeMs / 1000) };
  }

  /** The ticket's user, or null if it is unknown, used or expired. Consumes it either way. */
  redeem(ticket: string, nowMs = Date.now()): User | null {
    const row = this.sql
      .exec<{ user_json: string; expires_ms: number }>(`DELETE FROM tickets WHERE ticket = ? RETURNING user_json, expires_ms`, ticket)
      .toArray()[0];
    if (!row || row.expires_ms <= nowMs) return null;
    return JSON.parse(row.user_json) as User;
  }
}

function randomTicket(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
