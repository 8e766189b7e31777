import { encryptNotification } from "@block65/webcrypto-web-push";
import { importJWK, SignJWT } from "jose";
import { decodeBase64Any, encodeBase64Url } from "./base64";
import type { PushPayload } from "./notification-text";
import { bodySnippet, isTemporaryStatus, networkRetry, retryOutcome, type PushOutcome } from "./push-outcome";

/**
 * Web Push to browsers: RFC 8030 delivery, RFC 8291 payload encryption (aes128gcm) and
 * RFC 8292 VAPID. The encryption is @block65/webcrypto-web-push's `encryptNotification`
 * (Web Crypto only, so it runs in workerd). The VAPID JWT is signed here with jose instead
 * of the library's `vapidHeaders`, because that one refuses every endpoint that is not
 * https:, while SPEC 10 allows loopback http: endpoints for local testing.
 */

/** The browser's `PushSubscription.toJSON()`, as the subscription routes store it. */
export interface PushSubscriptionJson {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY, VAPID_SUBJECT. */
export interface VapidKeys {
  /** base64url uncompressed P-256 point (65 bytes). */
  publicKey: string;
  /** base64url 32-byte private scalar. */
  privateKey: string;
  /** `mailto:` or `https:` contact of the operator (RFC 8292 §2.1). */
  subject: string;
}

/** RFC 8030 §5.3. */
export type Urgency = "very-low" | "low" | "normal" | "high";

export interface WebPushSendOptions {
  /** Seconds the push service keeps an undelivered message (RFC 8030 §5.2). */
  ttlSeconds?: number;
  urgency?: Urgency;
  /** A newer message with the same topic replaces an undelivered one (RFC 8030 §5.4). */
  topic?: string;
}

export interface WebPushSenderOptions {
  fetch?: typeof fetch;
  /** Milliseconds since the epoch; tests move it. */
  now?: () => number;
  timeoutMs?: number;
}

export interface WebPushSender {
  send(subscription: PushSubscriptionJson, payload: PushPayload, options?: WebPushSendOptions): Promise<PushOutcome>;
}

export const DEFAULT_PUSH_TTL_SECONDS = 24 * 60 * 60;
/** RFC 8292 §2: exp at most 24 h ahead; 12 h leaves room for clock skew. */
export const VAPID_JWT_LIFETIME_SECONDS = 12 * 60 * 60;
export const PUSH_TIMEOUT_MS = 10_000;

const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** SPEC 10: `https:` push endpoints only, except loopback hosts (local testing). */
export function isAllowedPushEndpoint(endpoint: string): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.test(url.hostname));
}

/** Why a subscription cannot be used, or null when it can. */
export function subscriptionProblem(subscription: PushSubscriptionJson): string | null {
  if (!isAllowedPushEndpoint(subscription.endpoint)) return "endpoint must be an https: URL (http: only for loopback hosts)";
  const p256dh = decodeBase64Any(subscription.keys.p256dh);
  if (!p256dh || p256dh.byteLength !== 65 || p256dh[0] !== 0x04) return "keys.p256dh must be an uncompressed P-256 point (65 bytes, base64url)";
  const auth = decodeBase64Any(subscription.keys.auth);
  if (!auth || auth.byteLength !== 16) return "keys.auth must be 16 bytes (base64url)";
  return null;
}

/** Checks the VAPID variables; the problems name the variable, for the config error. */
export function vapidKeysProblems(keys: Partial<VapidKeys>): string[] {
  const problems: string[] = [];
  const pub = keys.publicKey ? decodeBase64Any(keys.publicKey) : null;
  if (!pub || pub.byteLength !== 65 || pub[0] !== 0x04) problems.push("VAPID_PUBLIC_KEY must be a base64url uncompressed P-256 point (65 bytes)");
  const priv = keys.privateKey ? decodeBase64Any(keys.privateKey) : null;
  if (!priv || priv.byteLength !== 32) problems.push("VAPID_PRIVATE_KEY must be a base64url 32-byte P-256 private key");
  if (!keys.subject || !/^(mailto:.+|https:\/\/.+)/.test(keys.subject)) problems.push("VAPID_SUBJECT must be a mailto: or https: URL");
  return problems;
}

/** RFC 8030 §5.4: a topic is at most 32 characters of the base64url alphabet. */
const TOPIC = /^[A-Za-z0-9_-]{1,32}$/;

export function createWebPushSender(vapid: VapidKeys, options: WebPushSenderOptions = {}): WebPushSender {
  const problems = vapidKeysProblems(vapid);
  if (problems.length > 0) throw new Error(`invalid VAPID keys: ${problems.join("; ")}`);
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? PUSH_TIMEOUT_MS;
  // Normalised so the `k=` parameter is exactly the key the browser subscribed with.
  const publicKey = encodeBase64Url(decodeBase64Any(vapid.publicKey)!);
  let signingKey: Promise<CryptoKey> | undefined;

  async function vapidAuthorization(endpoint: string): Promise<string> {
    signingKey ??= importVapidKey(vapid);
    const issuedAt = Math.floor(now() / 1000);
    const jwt = await new SignJWT({ sub: vapid.subject })
      .setProtectedHeader({ typ: "JWT", alg: "ES256" })
      .setAudience(new URL(endpoint).origin)
      .setExpirationTime(issuedAt + VAPID_JWT_LIFETIME_SECONDS)
      .sign(await signingKey);
    return `vapid t=${jwt}, k=${publicKey}`;
  }

  return {
    async send(subscription, payload, sendOptions = {}) {
      const problem = subscriptionProblem(subscription);
      if (problem) return { kind: "failed", status: null, reason: `invalid subscription: ${problem}` };
      if (sendOptions.topic !== undefined && !TOPIC.test(sendOptions.topic)) {
        return { kind: "failed", status: null, reason: "topic must be 1-32 base64url characters" };
      }
      let body: Uint8Array<ArrayBuffer>;
      try {
        body = await encryptNotification(
          { endpoint: subscription.endpoint, expirationTime: null, keys: subscription.keys },
          new TextEncoder().encode(JSON.stringify(payload)),
        );
      } catch (e) {
        return { kind: "failed", status: null, reason: `encryption: ${e instanceof Error ? e.message : String(e)}` };
      }
      let authorization: string;
      try {
        authorization = await vapidAuthorization(subscription.endpoint);
      } catch (e) {
        return { kind: "failed", status: null, reason: `VAPID: ${e instanceof Error ? e.message : String(e)}` };
      }
      const headers: Record<string, string> = {
        authorization,
        "content-encoding": "aes128gcm",
        "content-type": "application/octet-stream",
        ttl: String(Math.max(0, Math.floor(sendOptions.ttlSeconds ?? DEFAULT_PUSH_TTL_SECONDS))),
      };
      if (sendOptions.urgency) headers.urgency = sendOptions.urgency;
      if (sendOptions.topic) headers.topic = sendOptions.topic;
      let response: Response;
      try {
        response = await doFetch(subscription.endpoint, { method: "POST", headers, body, signal: AbortSignal.timeout(timeoutMs) });
      } catch (e) {
        return networkRetry(e);
      }
      return classifyPushResponse(response, now());
    },
  };
}

/**
 * RFC 8030 §5 / §7.3: 201 (any 2xx) is accepted; 404 and 410 mean the subscription is
 * gone for good; 429 and 5xx are temporary; any other answer (400, 401/403 for a VAPID
 * key the subscription was not made with, 413) will not change on a retry.
 */
export async function classifyPushResponse(response: Response, nowMs?: number): Promise<PushOutcome> {
  const status = response.status;
  if (status >= 200 && status < 300) {
    await response.body?.cancel();
    return { kind: "ok", status };
  }
  const detail = await bodySnippet(response);
  if (status === 404 || status === 410) return { kind: "gone", status, reason: `push service answered ${status} ${detail}`.trim() };
  if (isTemporaryStatus(status)) return retryOutcome(response, `push service answered ${status} ${detail}`.trim(), nowMs);
  return { kind: "failed", status, reason: `push service answered ${status} ${detail}`.trim() };
}

/**
 * Imports the VAPID private key for ES256 and proves that it belongs to the public key
 * (a mismatched pair would only show up as 403s from every push service).
 */
async function importVapidKey(vapid: VapidKeys): Promise<CryptoKey> {
  const point = decodeBase64Any(vapid.publicKey)!;
  const x = encodeBase64Url(point.slice(1, 33));
  const y = encodeBase64Url(point.slice(33, 65));
  const d = encodeBase64Url(decodeBase64Any(vapid.privateKey)!);
  const mismatch = "VAPID_PRIVATE_KEY does not belong to VAPID_PUBLIC_KEY";
  // Node refuses a mismatched pair at import; other runtimes only fail the probe below.
  const key = (await importJWK({ kty: "EC", crv: "P-256", x, y, d }, "ES256").catch((e: unknown) => {
    throw new Error(`${mismatch} (${e instanceof Error ? e.message : String(e)})`);
  })) as CryptoKey;
  const verifyKey = await crypto.subtle.importKey("raw", point, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  const probe = new TextEncoder().encode("vapid key pair check");
  const algorithm = { name: "ECDSA", hash: "SHA-256" };
  const signature = await crypto.subtle.sign(algorithm, key, probe);
  if (!(await crypto.subtle.verify(algorithm, verifyKey, signature, probe))) {
    throw new Error(mismatch);
  }
  return key;
}
