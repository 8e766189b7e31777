/**
 * The Worker's own upload URLs (R2 binding, SPEC section 11): `?exp=<epoch s>&sig=<HMAC>`
 * over the request, the attachment, its size, its content type and the expiry. The URL is
 * the grant, so no bearer token is needed; a changed size, type or expiry breaks it.
 *
 * The key is derived from ATTACHMENT_SIGNING_SECRET (or JWT_SECRET) with a fixed label,
 * so a URL signature is never a valid JWT signature or the other way round.
 */
export interface UploadClaims {
  requestIdx: number;
  attachmentId: string;
  size: number;
  contentType: string;
  /** Epoch seconds after which the URL is refused. */
  exp: number;
}

const LABEL = "consultation-chat attachment upload v1";
const keys = new Map<string, Promise<CryptoKey>>();

function uploadKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = (async () => {
      const root = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      const derived = await crypto.subtle.sign("HMAC", root, new TextEncoder().encode(LABEL));
      return crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    })();
    keys.set(secret, key);
  }
  return key;
}

const payload = (c: UploadClaims) => new TextEncoder().encode([c.requestIdx, c.attachmentId, c.size, c.contentType, c.exp].join("\n"));

const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

export async function signUpload(secret: string, claims: UploadClaims): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.sign("HMAC", await uploadKey(secret), payload(claims))));
}

/** Constant-time check of `sig` (base64url) against the claims. */
export async function verifyUpload(secret: string, claims: UploadClaims, sig: string): Promise<boolean> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(sig)) return false;
  const bytes = Uint8Array.from(atob(sig.replace(/-/g, "+").replace(/_/g, "/") + "="), (ch) => ch.charCodeAt(0));
  // 43 characters carry 258 bits for 256: only the one canonical spelling is the signature.
  if (base64url(bytes) !== sig) return false;
  return crypto.subtle.verify("HMAC", await uploadKey(secret), bytes, payload(claims));
}
