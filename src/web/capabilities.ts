import { ApiFailure, api } from "./api";
import type { Capabilities } from "./app/app-state";

/**
 * Which menus to show. The token's role alone cannot tell (the server's COUNSELOR_ROLES
 * and ADMIN_ROLES decide), so ask the two endpoints that only those roles may read: a
 * 403 means no. The server still checks every action; this only shapes the UI.
 */
export async function probeCapabilities(): Promise<Capabilities> {
  const [counselor, admin] = await Promise.all([allowed("/api/consultations/queue"), allowed("/api/admin/stats")]);
  // Admins may read the queue too, but only counselors take items from it.
  return { counselor: counselor && !admin, admin };
}

async function allowed(path: string): Promise<boolean> {
  try {
    await api("GET", path);
    return true;
  } catch (e) {
    if (e instanceof ApiFailure && (e.status === 403 || e.status === 404)) return false;
    throw e;
  }
}
