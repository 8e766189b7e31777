import { createECDH, randomBytes, randomUUID, type ECDH } from "node:crypto";
import * as ece from "http_ece";
import { decodeProtectedHeader, importJWK, jwtVerify } from "jose";
import type { TestProject } from "vitest/node";
import { json, startRawHttpService, type RawReply, type RawRequest } from "./raw-http";

/**
 * A local push service (RFC 8030) that checks what real ones check, plus what the browser
 * does with a push:
 * - `Authorization: vapid t=<jwt>, k=<key>` (RFC 8292): the JWT is ES256, verifies
 *   against `k`, has `aud` = this service's origin, an `exp` at most 24 h ahead and a
 *   `mailto:`/`https:` `sub`; `k` must be the applicationServerKey the subscription was
 *   made with (403 otherwise, as push services answer after a VAPID key change);
 * - the TTL header is required, Urgency and Topic must be valid, the body is at most
 *   4096 bytes of `Content-Encoding: aes128gcm`;
 * - it then plays the browser: decrypts the body with the subscription's private key and
 *   auth secret through http_ece (the reference RFC 8188/8291 implementation, independent
 *   of the sender's library) and records the payload, or why decryption failed.
 * Like a real service it answers 201 to any well-formed push it accepted: decryption is
 * the browser's business, so a wrongly encrypted push is recorded, not refused.
 *
 * Tests create subscriptions with `subscribe()` (Node) or `POST /_control/subscribe`
 * (from workerd), and read what arrived with `received` or `GET /_control/received/<id>`.
 */

export interface PushSubscriptionJson {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface ReceivedPush {
  subscriptionId: string;
  /** When the push service accepted it (Date.now()). */
  receivedAt: number;
  ttl: number;
  urgency: string | null;
  topic: string | null;
  vapid: { sub: string; aud: string; exp: number };
  /** The decrypted JSON, when decryption worked. */
  payload?: unknown;
  decryptError?: string;
}

export interface Rejection {
  subscriptionId: string;
  status: number;
  reason: string;
}

export interface PushService {
  url: string;
  /** Plays the browser's `pushManager.subscribe`: a fresh P-256 key pair and auth secret. */
  subscribe(options?: { applicationServerKey?: string }): { id: string; subscription: PushSubscriptionJson };
  /** The user unsubscribed: the endpoint answers 410 from now on. */
  unsubscribe(id: string): void;
  /** Answer `status` (e.g. 404, 429, 503) to every push for this subscription. */
  failWith(id: string, status: number | null, headers?: Record<string, string>): void;
  received: ReceivedPush[];
  rejections: Rejection[];
  close(): Promise<void>;
}

interface Browser {
  ecdh: ECDH;
  authSecret: Buffer;
  applicationServerKey: string | null;
  gone: boolean;
  forced: { status: number; headers: Record<string, string> } | null;
}

const URGENCIES = new Set(["very-low", "low", "normal", "high"]);
const MAX_VAPID_EXP_SECONDS = 24 * 60 * 60;

export async function startPushService(): Promise<PushService> {
  const browsers = new Map<string, Browser>();
  const received: ReceivedPush[] = [];
  const rejections: Rejection[] = [];
  let origin = "";

  function subscribe(options: { applicationServerKey?: string } = {}) {
    const id = randomUUID();
    const ecdh = createECDH("prime256v1");
    ecdh.generateKeys();
    const authSecret = randomBytes(16);
    browsers.set(id, { ecdh, authSecret, applicationServerKey: options.applicationServerKey ?? null, gone: false, forced: null });
    const subscription = {
      endpoint: `${origin}/push/${id}`,
      keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: authSecret.toString("base64url") },
    };
    return { id, subscription };
  }

  async function push(id: string, req: RawRequest): Promise<RawReply> {
    const browser = browsers.get(id);
    const reject = (status: number, reason: string): RawReply => {
      rejections.push({ subscriptionId: id, status, reason });
      return json(status, { error: reason });
    };
    if (!browser) return reject(404, "no such subscription");
    if (browser.gone) return reject(410, "subscription expired or unsubscribed");
    if (browser.forced) return { status: browser.forced.status, headers: browser.forced.headers, body: "forced by the test" };
    if (req.method !== "POST") return reject(405, "push messages are POSTed");

    const ttlHeader = header(req, "ttl");
    if (ttlHeader === null || !/^\d+$/.test(ttlHeader)) return reject(400, "TTL header missing or not a number");
    const urgency = header(req, "urgency");
    if (urgency !== null && !URGENCIES.has(urgency)) return reject(400, `bad Urgency ${urgency}`);
    const topic = header(req, "topic");
    if (topic !== null && !/^[A-Za-z0-9_-]{1,32}$/.test(topic)) return reject(400, `bad Topic ${topic}`);

    const vapid = await checkVapid(header(req, "authorization"), origin);
    if ("error" in vapid) return reject(vapid.status, vapid.error);
    if (browser.applicationServerKey !== null && vapid.key !== browser.applicationServerKey) {
      return reject(403, "VAPID key differs from the subscription's applicationServerKey");
    }

    if (header(req, "content-encoding") !== "aes128gcm") return reject(400, "Content-Encoding must be aes128gcm");
    if (req.body.length > 4096) return reject(413, `payload of ${req.body.length} bytes exceeds 4096`);

    const entry: ReceivedPush = { subscriptionId: id, receivedAt: Date.now(), ttl: Number(ttlHeader), urgency, topic, vapid: vapid.claims };
    try {
      const plain = ece.decrypt(req.body, { version: "aes128gcm", privateKey: browser.ecdh, authSecret: browser.authSecret.toString("base64url") });
      entry.payload = JSON.parse(plain.toString("utf8"));
    } catch (e) {
      entry.decryptError = e instanceof Error ? e.message : String(e);
    }
    received.push(entry);
    return { status: 201, headers: { location: `${origin}/message/${randomUUID()}` } };
  }

  const server = await startRawHttpService(async (req) => {
    const pushMatch = /^\/push\/([^/?]+)$/.exec(req.path);
    if (pushMatch) return push(pushMatch[1]!, req);
    if (req.method === "POST" && req.path === "/_control/subscribe") {
      const options = req.body.length ? (JSON.parse(req.body.toString("utf8")) as { applicationServerKey?: string }) : {};
      return json(200, subscribe(options));
    }
    const receivedMatch = /^\/_control\/received\/([^/?]+)$/.exec(req.path);
    if (req.method === "GET" && receivedMatch) {
      const id = receivedMatch[1]!;
      return json(200, { received: received.filter((r) => r.subscriptionId === id), rejections: rejections.filter((r) => r.subscriptionId === id) });
    }
    return json(404, { error: "not found" });
  });
  origin = server.url;

  return {
    url: server.url,
    subscribe,
    unsubscribe(id) {
      const browser = browsers.get(id);
      if (browser) browser.gone = true;
    },
    failWith(id, status, headers = {}) {
      const browser = browsers.get(id);
      if (!browser) throw new Error(`no subscription ${id}`);
      browser.forced = status === null ? null : { status, headers };
    },
    received,
    rejections,
    close: () => server.close(),
  };
}

function header(req: RawRequest, name: string): string | null {
  const value = req.headers[name];
  return typeof value === "string" ? value : null;
}

type VapidCheck = { key: string; claims: ReceivedPush["vapid"] } | { status: number; error: string };

/** RFC 8292 §3 and §4.2: 401 for a missing or invalid token, 403 is left to the key match. */
async function checkVapid(authorization: string | null, origin: string): Promise<VapidCheck> {
  const match = authorization ? /^vapid\s+(.+)$/i.exec(authorization) : null;
  if (!match) return { status: 401, error: "Authorization must use the vapid scheme" };
  const params = new Map<string, string>();
  for (const part of match[1]!.split(",")) {
    const [name, ...rest] = part.trim().split("=");
    if (name) params.set(name.toLowerCase(), rest.join("="));
  }
  const token = params.get("t");
  const key = params.get("k");
  if (!token || !key) return { status: 401, error: "vapid needs t= and k=" };
  const point = Buffer.from(key, "base64url");
  if (point.length !== 65 || point[0] !== 0x04) return { status: 401, error: "k is not an uncompressed P-256 point" };
  try {
    if (decodeProtectedHeader(token).alg !== "ES256") return { status: 401, error: "VAPID JWT must be ES256" };
    const publicKey = await importJWK(
      { kty: "EC", crv: "P-256", x: point.subarray(1, 33).toString("base64url"), y: point.subarray(33).toString("base64url") },
      "ES256",
    );
    const { payload } = await jwtVerify(token, publicKey, { algorithms: ["ES256"], audience: origin, requiredClaims: ["exp", "sub"] });
    const now = Math.floor(Date.now() / 1000);
    if (payload.exp! - now > MAX_VAPID_EXP_SECONDS) return { status: 401, error: "VAPID JWT exp is more than 24 hours ahead" };
    const sub = String(payload.sub);
    if (!/^(mailto:|https:)/.test(sub)) return { status: 401, error: "VAPID sub must be mailto: or https:" };
    return { key, claims: { sub, aud: String(payload.aud), exp: payload.exp! } };
  } catch (e) {
    return { status: 401, error: `VAPID JWT rejected: ${e instanceof Error ? e.message : String(e)}` };
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The base URL of a push service stand-in started by the globalSetup below. */
    pushServiceUrl: string;
  }
}

/** Vitest globalSetup: one push service for a workerd run, reached over `_control/`. */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const service = await startPushService();
  project.provide("pushServiceUrl", service.url);
  return () => service.close();
}
