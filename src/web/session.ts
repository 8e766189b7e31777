/**
 * Who is signed in. The SPA never sees a password: in production the host application
 * (LMS, help desk) opens it as `https://chat.example/#token=<JWT>`. The fragment never
 * reaches a server or its logs; the app moves the token to sessionStorage (one tab, gone
 * when the tab closes) and removes it from the address bar at once.
 */

export interface Session {
  token: string;
  userCode: string;
  name: string;
  role: string;
  /** Seconds since the epoch, or null. */
  exp: number | null;
}

const STORAGE_KEY = "consult.token";

/** Reads the token of the URL fragment (if any) into storage, then returns the session. */
export function loadSession(): Session | null {
  const fromFragment = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromFragment) {
    sessionStorage.setItem(STORAGE_KEY, fromFragment);
    history.replaceState(history.state, "", location.pathname + location.search);
  }
  const token = sessionStorage.getItem(STORAGE_KEY);
  const session = token ? decode(token) : null;
  if (!session || isExpired(session)) {
    sessionStorage.removeItem(STORAGE_KEY);
    return null;
  }
  return session;
}

export function storeToken(token: string): Session | null {
  sessionStorage.setItem(STORAGE_KEY, token);
  return loadSession();
}

export function clearSession(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

export function isExpired(session: Session, now = Date.now()): boolean {
  return session.exp !== null && session.exp * 1000 <= now;
}

/** Reads the claims for display only; the server verifies the signature on every call. */
function decode(token: string): Session | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const json = new TextDecoder().decode(
      Uint8Array.from(atob(payload.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)),
    );
    const claims = JSON.parse(json) as { sub?: unknown; name?: unknown; role?: unknown; exp?: unknown };
    if (typeof claims.sub !== "string") return null;
    return {
      token,
      userCode: claims.sub,
      name: typeof claims.name === "string" ? claims.name : claims.sub,
      role: typeof claims.role === "string" ? claims.role : "",
      exp: typeof claims.exp === "number" ? claims.exp : null,
    };
  } catch {
    return null;
  }
}
