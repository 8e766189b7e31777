/**
 * Helpers for worker tests (shared by every suite): mint JWTs the test Worker accepts and
 * call its routes. Runs inside workerd (vitest plugin).
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { SignJWT, type CryptoKey, type JWTPayload } from "jose";
import { createApp } from "../../src/app";

/** The test bindings (wrangler.toml + test/support/workerd-project.ts), typed. */
export const testEnv = env;

export interface Claims extends JWTPayload {
  sub: string;
  name?: string;
  role?: string;
}

export interface MintOptions {
  /** HMAC secret (default: the test env's JWT_SECRET). Ignored when `key` is given. */
  secret?: string;
  /** An asymmetric private key (RS256/ES256 per `alg`). */
  key?: CryptoKey;
  alg?: "HS256" | "RS256" | "ES256";
  kid?: string;
  /** jose time span ("1h", "-5m") or epoch seconds; default "1h". */
  expiresIn?: string | number;
  /** jose time span or epoch seconds for `nbf`. */
  notBefore?: string | number;
  issuer?: string;
  audience?: string;
}

/** A signed JWT for `claims` (HS256 with the test secret unless told otherwise). */
export async function mintToken(claims: Claims, opts: MintOptions = {}): Promise<string> {
  const alg = opts.alg ?? (opts.key ? "RS256" : "HS256");
  let jwt = new SignJWT(claims).setProtectedHeader({ alg, typ: "JWT", ...(opts.kid ? { kid: opts.kid } : {}) }).setIssuedAt();
  jwt = jwt.setExpirationTime(opts.expiresIn ?? "1h");
  if (opts.notBefore !== undefined) jwt = jwt.setNotBefore(opts.notBefore);
  if (opts.issuer) jwt = jwt.setIssuer(opts.issuer);
  if (opts.audience) jwt = jwt.setAudience(opts.audience);
  const key = opts.key ?? new TextEncoder().encode(opts.secret ?? testEnv.JWT_SECRET);
  return jwt.sign(key);
}

/** Ready-made people of SPEC section 1 (roles per the default COUNSELOR_ROLES/ADMIN_ROLES). */
export const people = {
  student: { sub: "STU001", name: "홍길동", role: "student" },
  student2: { sub: "STU002", name: "김학생", role: "student" },
  professor: { sub: "PROF001", name: "김교수", role: "professor" },
  professor2: { sub: "PROF002", name: "이교수", role: "professor" },
  agent: { sub: "AGT001", name: "박상담", role: "agent" },
  agent2: { sub: "AGT002", name: "최상담", role: "agent" },
  admin: { sub: "ADM001", name: "관리자", role: "admin" },
} as const satisfies Record<string, Claims>;

export interface ApiOptions {
  /** A JWT, or a Claims object to mint one for. */
  token?: string | Claims;
  method?: string;
  /** Serialised as JSON unless it is already a string (sent as is, for malformed bodies). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Call a fresh app with this env instead of the Worker (config/env variations). */
  env?: Env;
}

/** Calls the Worker (`exports.default`), or `createApp()` with a custom env when `env` is given. */
export async function api(path: string, opts: ApiOptions = {}): Promise<Response> {
  const headers = new Headers(opts.headers);
  if (opts.token !== undefined) {
    const token = typeof opts.token === "string" ? opts.token : await mintToken(opts.token);
    headers.set("Authorization", `Bearer ${token}`);
  }
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
    if (!headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  }
  const method = opts.method ?? (body !== undefined ? "POST" : "GET");
  const request = new Request(new URL(path, "http://test.local"), { method, headers, body });
  if (!opts.env) return exports.default.fetch(request);
  const ctx = createExecutionContext();
  const res = await createApp().fetch(request, opts.env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** `api()` then parse JSON; returns status and body together for compact assertions. */
export async function apiJson<T = any>(path: string, opts: ApiOptions = {}): Promise<{ status: number; body: T }> {
  const res = await api(path, opts);
  return { status: res.status, body: (await res.json()) as T };
}
