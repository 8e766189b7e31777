import type { DomainEvent } from "../types";
import { decodeBase64Any, encodeBase64 } from "./base64";

/**
 * Outbound webhooks per the Standard Webhooks specification (standardwebhooks.com): the
 * body is the event JSON; `webhook-id` is the event id (the same on every retry, so a
 * receiver drops repeats), `webhook-timestamp` the attempt's time in seconds, and
 * `webhook-signature` = `v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` under the
 * secret `whsec_<base64>`. Any Standard Webhooks library verifies it.
 */

export const WEBHOOK_TIMEOUT_MS = 10_000;
export const SECRET_PREFIX = "whsec_";
/** Standard Webhooks recommends 24–64 random bytes; fewer than 16 is refused as a typo. */
export const MIN_SECRET_BYTES = 16;

/** WEBHOOK_SECRET (`whsec_<base64>`) → the HMAC key bytes; the error names the variable. */
export function parseWebhookSecret(secret: string): Uint8Array<ArrayBuffer> {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error("WEBHOOK_SECRET must start with whsec_ (whsec_<base64 of random bytes>)");
  const key = decodeBase64Any(secret.slice(SECRET_PREFIX.length));
  if (!key) throw new Error("WEBHOOK_SECRET: the part after whsec_ is not base64");
  if (key.byteLength < MIN_SECRET_BYTES) throw new Error(`WEBHOOK_SECRET must hold at least ${MIN_SECRET_BYTES} bytes`);
  return key;
}

/** A fresh secret in the `whsec_` format (32 random bytes), for `npm run dev` and docs. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + encodeBase64(crypto.getRandomValues(new Uint8Array(32)));
}

/** WEBHOOK_URLS: comma-separated absolute http(s) URLs; the error names a bad entry. */
export function parseWebhookUrls(text: string | undefined): string[] {
  const urls = (text ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`WEBHOOK_URLS: ${url} is not a URL`);
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new Error(`WEBHOOK_URLS: ${url} must be http(s)`);
  }
  return [...new Set(urls)];
}

const encoder = new TextEncoder();

/** `v1,<base64 HMAC-SHA256("{id}.{timestamp}.{body}")>`. */
export async function signWebhook(key: Uint8Array<ArrayBuffer>, id: string, timestampSeconds: number, body: string): Promise<string> {
  const hmacKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", hmacKey, encoder.encode(`${id}.${timestampSeconds}.${body}`));
  return `v1,${encodeBase64(new Uint8Array(mac))}`;
}

export type WebhookAttempt =
  | { ok: true; status: number; durationMs: number }
  | { ok: false; status: number | null; error: string; durationMs: number; retryAfterSeconds: number | null };

export interface DeliverOptions {
  fetch?: typeof fetch;
  /** Milliseconds since the epoch: the signature's timestamp. */
  now?: () => number;
  timeoutMs?: number;
}

/**
 * One delivery attempt of one event to one URL. 2xx is delivered; anything else
 * (including a redirect, which is not followed, and a timeout) is a failed attempt that
 * the caller retries on the schedule below. Never throws.
 */
export async function deliverWebhook(url: string, event: DomainEvent, secret: Uint8Array<ArrayBuffer>, options: DeliverOptions = {}): Promise<WebhookAttempt> {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? Date.now;
  const started = Date.now();
  const body = JSON.stringify(event);
  // Signed per attempt: receivers refuse timestamps older than a few minutes, so a retry
  // a day later carries a fresh timestamp and signature under the same id.
  const timestamp = Math.floor(now() / 1000);
  const failure = (status: number | null, error: string, retryAfterSeconds: number | null = null): WebhookAttempt => ({
    ok: false,
    status,
    error,
    durationMs: Date.now() - started,
    retryAfterSeconds,
  });
  let response: Response;
  try {
    response = await doFetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "consultation-chat-webhooks/1",
        "webhook-id": event.id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": await signWebhook(secret, event.id, timestamp, body),
      },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs ?? WEBHOOK_TIMEOUT_MS),
    });
  } catch (e) {
    const timedOut = e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");
    return failure(null, timedOut ? `no answer within ${options.timeoutMs ?? WEBHOOK_TIMEOUT_MS} ms` : `network: ${e instanceof Error ? e.message : String(e)}`);
  }
  // The receiver's body is not needed; drain it so the connection is released.
  await response.body?.cancel();
  if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status, durationMs: Date.now() - started };
  const retryAfter = response.headers.get("retry-after");
  return failure(response.status, `receiver answered ${response.status}`, retryAfter && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) : null);
}

/** Cloudflare Queues: `retry({ delaySeconds })` accepts at most 12 hours. */
export const MAX_QUEUE_DELAY_SECONDS = 12 * 60 * 60;
/** How long a failing receiver keeps being retried before the event is dead-lettered. */
export const MIN_RETRY_SPAN_SECONDS = 24 * 60 * 60;
const FIRST_RETRY_SECONDS = 10;
const BACKOFF_FACTOR = 3;

/**
 * The delays between attempts: 10 s, 30 s, 90 s, … ×3, each capped at the queue's 12 h,
 * until together they span at least 24 h: 10 retries, the last ~33 h after the first
 * attempt (10 s + 30 s + … + 6 h 4 m + 12 h + 12 h = 119 200 s).
 */
export const WEBHOOK_RETRY_DELAYS_SECONDS: readonly number[] = (() => {
  const delays: number[] = [];
  let total = 0;
  while (total < MIN_RETRY_SPAN_SECONDS) {
    const delay = Math.min(MAX_QUEUE_DELAY_SECONDS, FIRST_RETRY_SECONDS * BACKOFF_FACTOR ** delays.length);
    delays.push(delay);
    total += delay;
  }
  return delays;
})();

/** Attempts in all (the first plus every retry); the consumer's `max_retries` must allow them. */
export const WEBHOOK_MAX_ATTEMPTS = WEBHOOK_RETRY_DELAYS_SECONDS.length + 1;

export type WebhookNextStep =
  | { action: "done" }
  | { action: "retry"; delaySeconds: number }
  | { action: "dead-letter"; attempts: number };

/**
 * What the queue consumer does after attempt number `attempts` (1-based, Cloudflare's
 * `message.attempts`): done on 2xx, else `message.retry({ delaySeconds })` on the
 * schedule (a receiver's Retry-After can lengthen a delay, within the 12 h cap), else
 * dead-letter once the schedule is spent.
 */
export function nextWebhookStep(attempt: WebhookAttempt, attempts: number): WebhookNextStep {
  if (attempt.ok) return { action: "done" };
  const scheduled = WEBHOOK_RETRY_DELAYS_SECONDS[attempts - 1];
  if (scheduled === undefined) return { action: "dead-letter", attempts };
  const delaySeconds = Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(scheduled, attempt.retryAfterSeconds ?? 0));
  return { action: "retry", delaySeconds };
}
