/**
 * What one push delivery came to, for Web Push and FCM alike. The queue consumer acts on
 * `kind`: ok → done; gone → remove the subscription/token; retry → `message.retry()`
 * (honouring `retryAfterSeconds` when the service named one); failed → log and drop,
 * because sending the same request again cannot succeed (bad key, malformed payload).
 */
export type PushOutcome =
  | { kind: "ok"; status: number }
  | { kind: "gone"; status: number; reason: string }
  | { kind: "retry"; status: number | null; reason: string; retryAfterSeconds: number | null }
  | { kind: "failed"; status: number | null; reason: string };

/** `Retry-After` as seconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, nowMs: number = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/** 429 and 5xx are the service's temporary troubles; the request itself was fine. */
export function isTemporaryStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

export function retryOutcome(response: Response, reason: string, nowMs?: number): PushOutcome {
  return { kind: "retry", status: response.status, reason, retryAfterSeconds: parseRetryAfter(response.headers.get("retry-after"), nowMs) };
}

export function networkRetry(error: unknown): PushOutcome {
  return { kind: "retry", status: null, reason: `network: ${error instanceof Error ? error.message : String(error)}`, retryAfterSeconds: null };
}

/** The start of a response body for a log line; push services put the reason there. */
export async function bodySnippet(response: Response, max = 300): Promise<string> {
  try {
    const text = await response.text();
    return text.length > max ? `${text.slice(0, max)}…` : text;
  } catch {
    return "";
  }
}
