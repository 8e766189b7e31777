import { createMiddleware } from "hono/factory";

/**
 * SPEC section 14: scripts, styles and connections from the service's own origin only
 * ('self' covers same-origin ws:/wss: in CSP Level 3, which the chat socket uses), no
 * plugins, no framing. The browser app has no inline script or style, so nothing needs
 * 'unsafe-inline'. The same policy goes on the static app (public/_headers, checked
 * against this constant by test/browser/scenarios/security-headers.ts) and on every
 * Worker answer.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

/**
 * Puts the security headers on every answer of the Worker: transcript downloads, JSON and
 * errors alike. A WebSocket upgrade (101) comes from the room as it is and carries none.
 */
export const securityHeaders = createMiddleware(async function securityHeaders(c, next) {
  await next();
  if (c.res.status === 101) return;
  // A Response that came from a fetch has immutable headers: copy it first.
  if (!headersWritable(c.res)) c.res = new Response(c.res.body, c.res);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
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
