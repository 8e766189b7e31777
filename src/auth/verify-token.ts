import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from "jose";
import type { Config } from "../config/config";
import type { User } from "../domain/types";
import { ApiError, upstreamError } from "../domain/errors";

/** Asymmetric algorithms accepted from a JWKS; HS256 is accepted only with JWT_SECRET. */
const ASYMMETRIC_ALGORITHMS = ["RS256", "ES256"] as const;
/** Tolerated clock skew between the token issuer and the edge, in seconds. */
const CLOCK_TOLERANCE_SECONDS = 30;

type KeySource = Parameters<typeof jwtVerify>[1];

/**
 * Key material is built once per parsed config: the remote JWKS keeps its own cache and
 * cooldown, so re-creating it per request would refetch the key set every time.
 */
const keyCache = new WeakMap<Config, { secret: Uint8Array | null; jwks: KeySource | null }>();

function keysFor(config: Config) {
  let keys = keyCache.get(config);
  if (!keys) {
    const { secret, jwks, jwksUrl } = config.auth;
    keys = {
      secret: secret ? new TextEncoder().encode(secret) : null,
      jwks: jwks
        ? (createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]) as KeySource)
        : jwksUrl
          ? (createRemoteJWKSet(new URL(jwksUrl)) as KeySource)
          : null,
    };
    keyCache.set(config, keys);
  }
  return keys;
}

const unauthorized = (message: string) => new ApiError("UNAUTHORIZED", message);

/**
 * Verifies a bearer JWT and returns the caller. The algorithm decides the key: HS256 only
 * with JWT_SECRET, RS256/ES256 only with the JWKS. A token can therefore never be verified
 * with a key meant for another algorithm (algorithm confusion), and `alg: none` is refused
 * because it is in neither list. Every failure is ApiError UNAUTHORIZED, except an
 * unreachable JWKS URL, which is our upstream's fault (UPSTREAM_UNAVAILABLE).
 */
export async function verifyToken(token: string, config: Config): Promise<User> {
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw unauthorized("Malformed token");
  }
  const keys = keysFor(config);
  let key: KeySource;
  let algorithms: string[];
  if (alg === "HS256" && keys.secret) {
    key = keys.secret;
    algorithms = ["HS256"];
  } else if (alg && (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg) && keys.jwks) {
    key = keys.jwks;
    algorithms = [...ASYMMETRIC_ALGORITHMS];
  } else {
    throw unauthorized(`Token algorithm ${alg ?? "(none)"} is not accepted`);
  }

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms,
      issuer: config.auth.issuer ?? undefined,
      audience: config.auth.audience ?? undefined,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    }));
  } catch (e) {
    throw mapJoseError(e);
  }
  return userFromClaims(payload, config);
}

function mapJoseError(e: unknown): ApiError {
  if (e instanceof errors.JWTExpired) return unauthorized("Token has expired");
  if (e instanceof errors.JWTClaimValidationFailed) return unauthorized(`Token rejected: ${e.reason} (${e.claim})`);
  if (e instanceof errors.JWSSignatureVerificationFailed) return unauthorized("Token signature is invalid");
  if (e instanceof errors.JWKSNoMatchingKey) return unauthorized("Token was signed with an unknown key");
  if (e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid) return upstreamError("The JWKS endpoint", e);
  if (e instanceof errors.JOSEError) return unauthorized("Token is invalid");
  // A fetch failure of the remote key set surfaces as a plain TypeError/Error.
  return upstreamError("The JWKS endpoint", e);
}

const MAX_USER_CODE = 128;
const MAX_NAME = 255;

function userFromClaims(payload: JWTPayload, config: Config): User {
  const sub = typeof payload.sub === "string" ? payload.sub.trim() : "";
  if (!sub) throw unauthorized("Token has no subject (sub)");
  // The same limits as the database columns (user codes 128, names 255), so a token is
  // refused the same way whichever repository adapter runs, instead of failing a write.
  if (sub.length > MAX_USER_CODE) throw unauthorized(`Token subject is longer than ${MAX_USER_CODE} characters`);
  const name = typeof payload.name === "string" && payload.name.trim() ? payload.name.trim() : sub;
  if (name.length > MAX_NAME) throw unauthorized(`Token name is longer than ${MAX_NAME} characters`);
  const role = typeof payload.role === "string" ? payload.role.trim() : "";
  return {
    userCode: sub,
    name,
    role,
    isCounselor: config.roles.counselor.includes(role),
    isAdmin: config.roles.admin.includes(role),
    exp: typeof payload.exp === "number" ? payload.exp : null,
  };
}
