import type { Consultation, User } from "../domain/types";

/**
 * The Worker → room connect contract: the Worker verifies the caller and the
 * consultation, then hands the room a grant in an internal header (never taken from a
 * client's request).
 */
export interface ConnectGrant {
  user: User;
  consultation: Consultation;
}

export const CONNECT_GRANT_HEADER = "x-room-connect-grant";

export const encodeConnectGrant = (grant: ConnectGrant): string => encodeURIComponent(JSON.stringify(grant));

export const decodeConnectGrant = (header: string): ConnectGrant => JSON.parse(decodeURIComponent(header)) as ConnectGrant;
