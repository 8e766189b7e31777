import { createMiddleware } from "hono/factory";

/**
 * SPEC section 14: scripts, styles and connections from the service's own origin only
 * ('self' covers same-origin ws:/wss: in CSP Level 3, which the chat socket uses), no
 * plugins, no framing. The browser app has no inline script or style, so nothing needs
 * 'unsafe-inline'.
 *
 * One exception, from SPEC section 11: with the S3 adapter the browser PUTs attachments to
 * presigned URLs and shows image previews from them, so the bucket's origin joins
 * `connect-src` and `img-src`. It is the service's own storage, named by the operator's
 * configuration, never a request's input.
 */
export function contentSecurityPolicy(storageOrigin: string | null = null): string {
  const storage = storageOrigin ? ` ${storageOrigin}` : "";
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob:${storage}`,
    `connect-src 'self'${storage}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** The policy and headers of the embedded defaults (no bucket the browser reaches directly). */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy(null);
export const SECURITY_HEADERS: Readonly<Record<string, string>> = securityHeadersFor(null);

function securityHeadersFor(storageOrigin: string | null): Record<string, string> {
  return {
    "Content-Security-Policy": contentSecurityPolicy(storageOrigin),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
  };
}

/**
 * Puts the security headers on every answer of the Worker: the browser app's files (served
 * through the Worker for exactly this, see static-app.ts), transcript downloads, JSON and
 * errors alike. A WebSocket upgrade (101) comes from its object as it is and carries none.
 */
/**
 * What the middleware reads of the context: only the archive's browser origin. Narrow on
 * purpose, so that the browser tests can import the policy without the Worker's types.
 */
interface StorageAware {
  Variables: { services?: { archive: { browserOrigin: string | null } } };
}

export const securityHeaders = createMiddleware<StorageAware>(async function securityHeaders(c, next) {
  await next();
  if (c.res.status === 101) return;
  // A Response that came from a fetch has immutable headers: copy it first.
  if (!headersWritable(c.res)) c.res = new Response(c.res.body, c.res);
  // Unset when the configuration failed (the 500 still gets the strict default).
  const storageOrigin = c.get("services")?.archive.browserOrigin ?? null;
  for (const [name, value] of Object.entries(securityHeadersFor(storageOrigin))) {
    // A route may set a stricter policy of its own (a file download: `default-src 'none'; sandbox`).
    if (name === "Content-Security-Policy" && c.res.headers.has(name)) continue;
    c.res.headers.set(name, value);
  }
});

function headersWritable(res: Response): boolean {
  try {
    res.headers.set("X-Content-Type-Options", "nosniff");
    return true;
  } catch {
    return false;
  }
}
