import { generateKeyPairSync, randomUUID } from "node:crypto";
import { decodeProtectedHeader, importSPKI, jwtVerify } from "jose";
import type { TestProject } from "vitest/node";
import { json, startRawHttpService, type RawReply, type RawRequest } from "./raw-http";

/**
 * A local stand-in for Google's OAuth token endpoint and FCM HTTP v1, checking what they
 * check:
 * - `POST /token` (the service account's token_uri): form-encoded JWT bearer grant whose
 *   RS256 assertion verifies against the service account's public key, with iss = the
 *   client_email, aud = the token_uri, the firebase.messaging scope, an `exp` at most an
 *   hour after `iat` and not past; a `kid` must name the account's key. Issues an opaque
 *   access token with `expires_in`, or `400 invalid_grant`.
 * - `POST /v1/projects/{project}/messages:send`: a Bearer token it issued and that has not
 *   expired (401 UNAUTHENTICATED), the project of that token (403), a v1 message with
 *   exactly one target and string-only `data` (400 INVALID_ARGUMENT); configured tokens
 *   answer 404 UNREGISTERED, as for an uninstalled app.
 * Its clock can be shared with the sender's, so tests move time past a token's expiry.
 */

export interface TestServiceAccount {
  type: "service_account";
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  token_uri: string;
}

export interface FcmDelivered {
  accessToken: string;
  message: {
    token: string;
    notification?: { title?: string; body?: string };
    data?: Record<string, string>;
    android?: Record<string, unknown>;
    apns?: { headers?: Record<string, string> };
  };
}

export interface FcmService {
  url: string;
  /** A service account whose token_uri is this service (its key pair made fresh). */
  account: TestServiceAccount;
  /** Token requests that got a token, and those refused (with why). */
  tokenRequests: { ok: boolean; reason?: string }[];
  delivered: FcmDelivered[];
  /** Device tokens that answer UNREGISTERED. */
  unregister(deviceToken: string): void;
  /** Answer `status` (with FCM's error body for it) to sends to this device token. */
  failWith(deviceToken: string, status: number | null, headers?: Record<string, string>): void;
  /** Lifetime of access tokens issued from now on. */
  setExpiresIn(seconds: number): void;
  /** Forgets every issued access token (as when a key is revoked). */
  revokeAccessTokens(): void;
  close(): Promise<void>;
}

const SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
const STATUS_NAMES: Record<number, string> = { 400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE" };
const FCM_CODES: Record<number, string> = { 400: "INVALID_ARGUMENT", 403: "SENDER_ID_MISMATCH", 404: "UNREGISTERED", 429: "QUOTA_EXCEEDED", 500: "INTERNAL", 503: "UNAVAILABLE" };

/** Google's error body, with the FcmError detail that carries the errorCode. */
function fcmError(status: number, message: string, errorCode = FCM_CODES[status], headers: Record<string, string> = {}): RawReply {
  const details = errorCode ? [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", errorCode }] : [];
  return json(status, { error: { code: status, message, status: STATUS_NAMES[status] ?? "UNKNOWN", details } }, headers);
}

export async function startFcmService(options: { now?: () => number } = {}): Promise<FcmService> {
  const now = options.now ?? Date.now;
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const spki = publicKey.export({ type: "spki", format: "pem" }).toString();
  const verifyKey = await importSPKI(spki, "RS256");
  const tokenRequests: FcmService["tokenRequests"] = [];
  const delivered: FcmDelivered[] = [];
  const issued = new Map<string, { expiresAt: number; project: string }>();
  const unregistered = new Set<string>();
  const forced = new Map<string, { status: number; headers: Record<string, string> }>();
  let expiresIn = 3599;
  let account: TestServiceAccount;

  async function token(req: RawRequest): Promise<RawReply> {
    const refuse = (reason: string) => {
      tokenRequests.push({ ok: false, reason });
      return json(400, { error: "invalid_grant", error_description: reason });
    };
    if (req.method !== "POST") return json(405, { error: "method not allowed" });
    if (!String(req.headers["content-type"]).startsWith("application/x-www-form-urlencoded")) return refuse("body must be form-encoded");
    const form = new URLSearchParams(req.body.toString("utf8"));
    if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") return refuse("unsupported grant_type");
    const assertion = form.get("assertion");
    if (!assertion) return refuse("no assertion");
    try {
      const header = decodeProtectedHeader(assertion);
      if (header.kid !== undefined && header.kid !== account.private_key_id) return refuse("unknown kid");
      const { payload } = await jwtVerify(assertion, verifyKey, {
        algorithms: ["RS256"],
        issuer: account.client_email,
        audience: account.token_uri,
        requiredClaims: ["iat", "exp", "scope"],
        currentDate: new Date(now()),
      });
      if (payload.exp! - payload.iat! > 3600) return refuse("assertion lifetime exceeds one hour");
      if (payload.iat! > now() / 1000 + 60) return refuse("assertion issued in the future");
      if (!String(payload.scope).split(" ").includes(SCOPE)) return refuse("scope lacks firebase.messaging");
    } catch (e) {
      return refuse(`assertion rejected: ${e instanceof Error ? e.message : String(e)}`);
    }
    const accessToken = `ya29.test-${randomUUID()}`;
    issued.set(accessToken, { expiresAt: now() + expiresIn * 1000, project: account.project_id });
    tokenRequests.push({ ok: true });
    return json(200, { access_token: accessToken, expires_in: expiresIn, token_type: "Bearer" });
  }

  function send(project: string, req: RawRequest): RawReply {
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ""))?.[1];
    const grant = bearer ? issued.get(bearer) : undefined;
    if (!bearer || !grant || grant.expiresAt <= now()) return fcmError(401, "Request had invalid authentication credentials.", undefined);
    if (grant.project !== project) return fcmError(403, "Permission denied on project.", undefined);
    let body: { message?: FcmDelivered["message"] & { topic?: unknown; condition?: unknown } };
    try {
      body = JSON.parse(req.body.toString("utf8"));
    } catch {
      return fcmError(400, "Invalid JSON payload received.");
    }
    const message = body.message;
    if (!message || typeof message !== "object") return fcmError(400, "message is required");
    const targets = [message.token, message.topic, message.condition].filter((t) => t !== undefined);
    if (targets.length !== 1 || typeof message.token !== "string" || message.token === "") return fcmError(400, "exactly one target (a token) is required");
    for (const [k, v] of Object.entries(message.data ?? {})) {
      if (typeof v !== "string") return fcmError(400, `Invalid value at 'message.data[${k}]': not a string`);
    }
    const ttl = message.android?.ttl;
    if (ttl !== undefined && !/^\d+(\.\d{1,9})?s$/.test(String(ttl))) return fcmError(400, "Invalid android.ttl");
    const priority = message.android?.priority;
    if (priority !== undefined && priority !== "NORMAL" && priority !== "HIGH") return fcmError(400, "Invalid android.priority");
    const failure = forced.get(message.token);
    if (failure) return fcmError(failure.status, "forced by the test", undefined, failure.headers);
    if (unregistered.has(message.token)) return fcmError(404, "Requested entity was not found.", "UNREGISTERED");
    delivered.push({ accessToken: bearer, message });
    return json(200, { name: `projects/${project}/messages/${randomUUID()}` });
  }

  const server = await startRawHttpService((req) => {
    if (req.path === "/token") return token(req);
    // For tests inside workerd, which cannot read this process's arrays.
    if (req.method === "GET" && req.path === "/_control/state") return json(200, { tokenRequests, delivered });
    const match = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(req.path);
    if (match && req.method === "POST") return send(decodeURIComponent(match[1]!), req);
    return fcmError(404, "not found", undefined);
  });
  account = {
    type: "service_account",
    project_id: "consultation-test",
    private_key_id: randomUUID().replace(/-/g, ""),
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    client_email: "push-sender@consultation-test.iam.gserviceaccount.com",
    token_uri: `${server.url}/token`,
  };

  return {
    url: server.url,
    account,
    tokenRequests,
    delivered,
    unregister: (t) => unregistered.add(t),
    failWith(t, status, headers = {}) {
      if (status === null) forced.delete(t);
      else forced.set(t, { status, headers });
    },
    setExpiresIn(seconds) {
      expiresIn = seconds;
    },
    revokeAccessTokens: () => issued.clear(),
    close: () => server.close(),
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    /** An FCM stand-in started by the globalSetup below and its service account. */
    fcmService: { url: string; account: TestServiceAccount };
  }
}

/** Vitest globalSetup: one FCM stand-in for a workerd run (state at `GET /_control/state`). */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const service = await startFcmService();
  project.provide("fcmService", { url: service.url, account: service.account });
  return () => service.close();
}
