import { importPKCS8, SignJWT } from "jose";
import type { PushPayload } from "./notification-text";
import { bodySnippet, isTemporaryStatus, networkRetry, parseRetryAfter, type PushOutcome } from "./push-outcome";

/**
 * FCM HTTP v1 for the native apps: an OAuth 2.0 access token minted from the service
 * account (RFC 7523 JWT bearer grant, RS256 assertion signed with jose), cached until it
 * is about to expire, then `POST {endpoint}/v1/projects/{project_id}/messages:send`.
 * The Google addresses come from the service account (`token_uri`) and FCM_ENDPOINT, so
 * tests point both at local stand-ins.
 */

/** The fields of the service-account JSON (FCM_SERVICE_ACCOUNT) that are used. */
export interface ServiceAccount {
  client_email: string;
  private_key: string;
  token_uri: string;
  project_id: string;
  /** Sent as the assertion's `kid` when present. */
  private_key_id?: string;
}

export const DEFAULT_FCM_ENDPOINT = "https://fcm.googleapis.com";
export const FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
/** Google issues assertions' tokens for at most an hour. */
export const ASSERTION_LIFETIME_SECONDS = 3600;
/** A cached token is replaced this long before it expires, so no send carries a dying one. */
export const TOKEN_REFRESH_MARGIN_SECONDS = 300;
export const FCM_TIMEOUT_MS = 10_000;

const REQUIRED = ["client_email", "private_key", "token_uri", "project_id"] as const;

/** Parses FCM_SERVICE_ACCOUNT; the error names what is missing, for the config error. */
export function parseServiceAccount(text: string): ServiceAccount {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error("FCM_SERVICE_ACCOUNT is not JSON (paste the service-account key file)");
  }
  if (typeof json !== "object" || json === null) throw new Error("FCM_SERVICE_ACCOUNT must be a JSON object");
  const record = json as Record<string, unknown>;
  const missing = REQUIRED.filter((k) => typeof record[k] !== "string" || record[k] === "");
  if (missing.length > 0) throw new Error(`FCM_SERVICE_ACCOUNT lacks ${missing.join(", ")}`);
  if (!/^https?:\/\//.test(record.token_uri as string)) throw new Error("FCM_SERVICE_ACCOUNT token_uri must be an http(s) URL");
  const account: ServiceAccount = {
    client_email: record.client_email as string,
    private_key: record.private_key as string,
    token_uri: record.token_uri as string,
    project_id: record.project_id as string,
  };
  if (typeof record.private_key_id === "string") account.private_key_id = record.private_key_id;
  return account;
}

interface ClockAndFetch {
  fetch?: typeof fetch;
  /** Milliseconds since the epoch; tests move it. */
  now?: () => number;
  timeoutMs?: number;
}

export interface AccessTokenSource {
  /** A token valid for at least the refresh margin; one token request for many callers. */
  get(): Promise<string>;
  /** FCM refused this token (401): forget it so the next `get` mints a new one. */
  invalidate(token: string): void;
}

/** Why no access token could be had; `outcome` is what the send reports. */
export class AccessTokenError extends Error {
  constructor(readonly outcome: PushOutcome) {
    super(outcome.kind === "ok" ? "ok" : outcome.reason);
    this.name = "AccessTokenError";
  }
}

export function createAccessTokenSource(account: ServiceAccount, options: ClockAndFetch & { marginSeconds?: number } = {}): AccessTokenSource {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? Date.now;
  const margin = (options.marginSeconds ?? TOKEN_REFRESH_MARGIN_SECONDS) * 1000;
  const timeoutMs = options.timeoutMs ?? FCM_TIMEOUT_MS;
  let key: Promise<CryptoKey> | undefined;
  let cached: { token: string; expiresAt: number } | null = null;
  let inFlight: Promise<string> | null = null;

  async function mint(): Promise<string> {
    key ??= importPKCS8(account.private_key, "RS256").catch((e: unknown) => {
      key = undefined;
      throw new AccessTokenError({ kind: "failed", status: null, reason: `FCM_SERVICE_ACCOUNT private_key: ${e instanceof Error ? e.message : String(e)}` });
    });
    const issuedAt = Math.floor(now() / 1000);
    const assertion = await new SignJWT({ scope: FCM_SCOPE })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", ...(account.private_key_id ? { kid: account.private_key_id } : {}) })
      .setIssuer(account.client_email)
      .setAudience(account.token_uri)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ASSERTION_LIFETIME_SECONDS)
      .sign(await key);
    let response: Response;
    try {
      response = await doFetch(account.token_uri, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      throw new AccessTokenError(networkRetry(e));
    }
    if (!response.ok) {
      const reason = `token endpoint answered ${response.status} ${await bodySnippet(response)}`.trim();
      // invalid_grant and friends (400/401) mean the key or account is wrong: no retry fixes it.
      throw new AccessTokenError(
        isTemporaryStatus(response.status)
          ? { kind: "retry", status: response.status, reason, retryAfterSeconds: parseRetryAfter(response.headers.get("retry-after"), now()) }
          : { kind: "failed", status: response.status, reason },
      );
    }
    const body = (await response.json().catch(() => null)) as { access_token?: unknown; expires_in?: unknown } | null;
    if (typeof body?.access_token !== "string" || typeof body.expires_in !== "number") {
      throw new AccessTokenError({ kind: "retry", status: response.status, reason: "token endpoint answered without access_token/expires_in", retryAfterSeconds: null });
    }
    cached = { token: body.access_token, expiresAt: now() + body.expires_in * 1000 };
    return body.access_token;
  }

  return {
    get() {
      if (cached && now() < cached.expiresAt - margin) return Promise.resolve(cached.token);
      inFlight ??= mint().finally(() => {
        inFlight = null;
      });
      return inFlight;
    },
    invalidate(token) {
      if (cached?.token === token) cached = null;
    },
  };
}

const shared = new Map<string, AccessTokenSource>();

/**
 * One token source per service account for the life of the isolate, so the queue
 * consumer's invocations share one access token instead of minting one each.
 */
export function sharedAccessTokenSource(account: ServiceAccount): AccessTokenSource {
  const id = `${account.token_uri} ${account.client_email} ${account.private_key_id ?? account.private_key}`;
  let source = shared.get(id);
  if (!source) {
    source = createAccessTokenSource(account);
    shared.set(id, source);
  }
  return source;
}

export interface FcmSendOptions {
  /** Seconds FCM keeps an undelivered message. */
  ttlSeconds?: number;
  /** `high` wakes the device (chat messages, approvals); `normal` may wait. */
  urgency?: "normal" | "high";
  /** A newer message with the same key replaces an undelivered one (per room). */
  collapseKey?: string;
}

export interface FcmSender {
  send(token: string, payload: PushPayload, options?: FcmSendOptions): Promise<PushOutcome>;
}

export const DEFAULT_FCM_TTL_SECONDS = 24 * 60 * 60;

export function createFcmSender(
  account: ServiceAccount,
  options: ClockAndFetch & { endpoint?: string; tokens?: AccessTokenSource } = {},
): FcmSender {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? FCM_TIMEOUT_MS;
  const tokens = options.tokens ?? sharedAccessTokenSource(account);
  const base = (options.endpoint ?? DEFAULT_FCM_ENDPOINT).replace(/\/+$/, "");
  const url = `${base}/v1/projects/${encodeURIComponent(account.project_id)}/messages:send`;

  async function post(accessToken: string, body: string): Promise<Response> {
    return doFetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  }

  return {
    async send(token, payload, sendOptions = {}) {
      const body = JSON.stringify({ message: fcmMessage(token, payload, sendOptions, now()) });
      try {
        let accessToken = await tokens.get();
        let response = await post(accessToken, body);
        if (response.status === 401) {
          // Revoked or expired early: one fresh token, once.
          await response.body?.cancel();
          tokens.invalidate(accessToken);
          accessToken = await tokens.get();
          response = await post(accessToken, body);
        }
        return await classifyFcmResponse(response, now());
      } catch (e) {
        if (e instanceof AccessTokenError) return e.outcome;
        return networkRetry(e);
      }
    },
  };
}

/** The v1 `Message`: notification for the system tray, data (strings only) for the app. */
export function fcmMessage(token: string, payload: PushPayload, options: FcmSendOptions, nowMs: number) {
  const ttl = Math.max(0, Math.floor(options.ttlSeconds ?? DEFAULT_FCM_TTL_SECONDS));
  const high = (options.urgency ?? "high") === "high";
  return {
    token,
    notification: { title: payload.title, body: payload.body },
    data: { title: payload.title, body: payload.body, url: payload.url, requestIdx: String(payload.requestIdx), type: payload.type },
    android: { ttl: `${ttl}s`, priority: high ? "HIGH" : "NORMAL", ...(options.collapseKey ? { collapse_key: options.collapseKey } : {}) },
    apns: {
      headers: {
        "apns-priority": high ? "10" : "5",
        "apns-expiration": String(Math.floor(nowMs / 1000) + ttl),
        ...(options.collapseKey ? { "apns-collapse-id": options.collapseKey } : {}),
      },
    },
  };
}

const FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError";

/** The FCM `errorCode` of an error body (`UNREGISTERED`, `QUOTA_EXCEEDED`, ...), if any. */
export function fcmErrorCode(body: unknown): string | null {
  const details = (body as { error?: { details?: unknown } } | null)?.error?.details;
  if (!Array.isArray(details)) return null;
  for (const detail of details) {
    const d = detail as { "@type"?: unknown; errorCode?: unknown };
    if (d["@type"] === FCM_ERROR_TYPE && typeof d.errorCode === "string") return d.errorCode;
  }
  return null;
}

/**
 * FCM v1 error handling: UNREGISTERED (404) means the app instance is gone: prune the
 * token. 429 QUOTA_EXCEEDED, 500 INTERNAL and 503 UNAVAILABLE are retried (with
 * Retry-After). INVALID_ARGUMENT, SENDER_ID_MISMATCH (another project's token: a
 * configuration error, so the token is kept) and THIRD_PARTY_AUTH_ERROR do not retry.
 */
export async function classifyFcmResponse(response: Response, nowMs?: number): Promise<PushOutcome> {
  const status = response.status;
  if (response.ok) {
    await response.body?.cancel();
    return { kind: "ok", status };
  }
  const text = await bodySnippet(response, 2000);
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: classified by status alone.
  }
  const code = fcmErrorCode(parsed);
  const reason = `FCM answered ${status}${code ? ` ${code}` : ""}: ${text.slice(0, 300)}`;
  if (code === "UNREGISTERED" || status === 404) return { kind: "gone", status, reason };
  if (isTemporaryStatus(status) || code === "UNAVAILABLE" || code === "INTERNAL" || code === "QUOTA_EXCEEDED") {
    return { kind: "retry", status, reason, retryAfterSeconds: parseRetryAfter(response.headers.get("retry-after"), nowMs) };
  }
  return { kind: "failed", status, reason };
}
