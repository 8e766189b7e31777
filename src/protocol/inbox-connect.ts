import type { User } from "../domain/types";

/**
 * The Worker → inbox connect contract: the Worker verifies the caller (ticket or bearer
 * token), then hands the user's inbox the verified user in an internal header (never
 * taken from a client's request).
 */
export const INBOX_GRANT_HEADER = "x-inbox-connect-grant";

export const encodeInboxGrant = (user: User): string => encodeURIComponent(JSON.stringify(user));

export const decodeInboxGrant = (header: string): User => JSON.parse(decodeURIComponent(header)) as User;
