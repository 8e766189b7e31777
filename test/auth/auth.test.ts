import { base64url, exportJWK, generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { verifyToken } from "../../src/auth/verify-token";
import { parseConfig } from "../../src/config/config";
import { api, apiJson, mintToken, people, testEnv } from "../support/api";

const b64url = (s: string) => base64url.encode(s);

async function expect401(res: Response, message?: RegExp) {
  expect(res.status).toBe(401);
  expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
  const body = (await res.json()) as { code: string; error: string };
  expect(body.code).toBe("UNAUTHORIZED");
  if (message) expect(body.error).toMatch(message);
}

/** An env whose only key source is a JWKS holding the public halves of `keys`. */
async function jwksEnv(keys: { publicKey: CryptoKey; kid: string; alg: string }[], extra: Partial<Env> = {}): Promise<Env> {
  const jwks = { keys: await Promise.all(keys.map(async (k) => ({ ...(await exportJWK(k.publicKey)), kid: k.kid, alg: k.alg, use: "sig" }))) };
  return { ...testEnv, JWT_SECRET: undefined, JWT_JWKS: JSON.stringify(jwks), ...extra };
}

describe("bearer tokens (HS256 with JWT_SECRET)", () => {
  it("accepts a valid token and uses its claims", async () => {
    const res = await apiJson("/api/consultations", { token: people.student });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], nextCursor: null });
  });

  it("refuses a missing or non-Bearer Authorization header", async () => {
    await expect401(await api("/api/consultations"), /Missing bearer token/);
    await expect401(await api("/api/consultations", { headers: { Authorization: "Basic dXNlcjpwdw==" } }));
    await expect401(await api("/api/consultations", { headers: { Authorization: "Bearer" } }));
  });

  it("refuses malformed tokens", async () => {
    await expect401(await api("/api/consultations", { token: "not.a.jwt" }), /Malformed/);
    await expect401(await api("/api/consultations", { token: "garbage" }), /Malformed/);
  });

  it("refuses an expired token", async () => {
    const token = await mintToken(people.student, { expiresIn: "-5m" });
    await expect401(await api("/api/consultations", { token }), /expired/);
  });

  it("refuses a token that is not yet valid (nbf in the future)", async () => {
    const token = await mintToken(people.student, { notBefore: "10m" });
    await expect401(await api("/api/consultations", { token }), /nbf/);
  });

  it("refuses a token signed with another secret", async () => {
    const token = await mintToken(people.student, { secret: "some-other-secret-of-enough-length!!" });
    await expect401(await api("/api/consultations", { token }), /signature/);
  });

  it("refuses alg none", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = `${b64url('{"alg":"none","typ":"JWT"}')}.${b64url(JSON.stringify({ ...people.admin, exp: now + 600 }))}.`;
    await expect401(await api("/api/consultations", { token }), /algorithm none/);
  });

  it("refuses a token without a subject", async () => {
    const token = await new SignJWT({ name: "x", role: "student" })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(testEnv.JWT_SECRET));
    await expect401(await api("/api/consultations", { token }), /sub/);
  });

  it("refuses a subject or name longer than the user columns hold", async () => {
    const longSub = await mintToken({ ...people.student, sub: "S".repeat(129) });
    await expect401(await api("/api/consultations", { token: longSub }), /subject is longer than 128/);
    const longName = await mintToken({ ...people.student, name: "이".repeat(256) });
    await expect401(await api("/api/consultations", { token: longName }), /name is longer than 255/);
    const atLimit = await mintToken({ ...people.student, sub: "S".repeat(128), name: "이".repeat(255) });
    expect((await api("/api/consultations", { token: atLimit })).status).toBe(200);
  });

  it("enforces JWT_ISSUER and JWT_AUDIENCE when set", async () => {
    const env = { ...testEnv, JWT_ISSUER: "https://lms.example", JWT_AUDIENCE: "consultation-chat" };
    const good = await mintToken(people.student, { issuer: "https://lms.example", audience: "consultation-chat" });
    expect((await api("/api/consultations", { token: good, env })).status).toBe(200);
    const wrongIss = await mintToken(people.student, { issuer: "https://evil.example", audience: "consultation-chat" });
    await expect401(await api("/api/consultations", { token: wrongIss, env }), /iss/);
    const wrongAud = await mintToken(people.student, { issuer: "https://lms.example", audience: "other-app" });
    await expect401(await api("/api/consultations", { token: wrongAud, env }), /aud/);
    const none = await mintToken(people.student);
    await expect401(await api("/api/consultations", { token: none, env }));
  });
});

describe("bearer tokens (RS256/ES256 with a JWKS)", () => {
  it("accepts RS256 and ES256 tokens from an inline JWKS", async () => {
    const rsa = await generateKeyPair("RS256", { extractable: true });
    const ec = await generateKeyPair("ES256", { extractable: true });
    const env = await jwksEnv([
      { publicKey: rsa.publicKey, kid: "rsa-1", alg: "RS256" },
      { publicKey: ec.publicKey, kid: "ec-1", alg: "ES256" },
    ]);
    const rs = await mintToken(people.professor, { key: rsa.privateKey, alg: "RS256", kid: "rsa-1" });
    const es = await mintToken(people.student, { key: ec.privateKey, alg: "ES256", kid: "ec-1" });
    expect((await api("/api/consultations", { token: rs, env })).status).toBe(200);
    expect((await api("/api/consultations", { token: es, env })).status).toBe(200);
  });

  it("refuses a token signed by a key that is not in the JWKS", async () => {
    const known = await generateKeyPair("RS256", { extractable: true });
    const stranger = await generateKeyPair("RS256", { extractable: true });
    const env = await jwksEnv([{ publicKey: known.publicKey, kid: "k1", alg: "RS256" }]);
    const sameKid = await mintToken(people.student, { key: stranger.privateKey, alg: "RS256", kid: "k1" });
    await expect401(await api("/api/consultations", { token: sameKid, env }), /signature/);
    const otherKid = await mintToken(people.student, { key: stranger.privateKey, alg: "RS256", kid: "k2" });
    await expect401(await api("/api/consultations", { token: otherKid, env }), /unknown key/);
  });

  it("refuses an HS256 token when only a JWKS is configured", async () => {
    const rsa = await generateKeyPair("RS256", { extractable: true });
    const env = await jwksEnv([{ publicKey: rsa.publicKey, kid: "rsa-1", alg: "RS256" }]);
    await expect401(await api("/api/consultations", { token: await mintToken(people.admin), env }), /HS256/);
  });

  it("refuses algorithm confusion: an HS256 token keyed with the public key", async () => {
    const rsa = await generateKeyPair("RS256", { extractable: true });
    const env = await jwksEnv([{ publicKey: rsa.publicKey, kid: "rsa-1", alg: "RS256" }], { JWT_SECRET: testEnv.JWT_SECRET });
    const publicJwk = JSON.stringify(await exportJWK(rsa.publicKey));
    const forged = await mintToken(people.admin, { secret: publicJwk, kid: "rsa-1" });
    await expect401(await api("/api/consultations", { token: forged, env }), /signature/);
  });

  it("refuses an RS256 token when only JWT_SECRET is configured", async () => {
    const rsa = await generateKeyPair("RS256", { extractable: true });
    const token = await mintToken(people.student, { key: rsa.privateKey, alg: "RS256", kid: "rsa-1" });
    await expect401(await api("/api/consultations", { token }), /RS256/);
  });

  it("answers 503 when JWT_JWKS_URL cannot be reached", async () => {
    const rsa = await generateKeyPair("RS256", { extractable: true });
    const env = { ...testEnv, JWT_SECRET: undefined, JWT_JWKS_URL: "http://127.0.0.1:9/jwks.json" };
    const token = await mintToken(people.student, { key: rsa.privateKey, alg: "RS256", kid: "rsa-1" });
    const res = await apiJson("/api/consultations", { token, env });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe("UPSTREAM_UNAVAILABLE");
  });
});

describe("roles", () => {
  it("maps COUNSELOR_ROLES and ADMIN_ROLES, and falls back to sub for a missing name", async () => {
    const config = parseConfig({ ...testEnv, COUNSELOR_ROLES: "tutor, professor", ADMIN_ROLES: "root" });
    const tutor = await verifyToken(await mintToken({ sub: "T1", role: "tutor" }), config);
    expect(tutor).toMatchObject({ userCode: "T1", name: "T1", role: "tutor", isCounselor: true, isAdmin: false });
    expect(typeof tutor.exp).toBe("number");
    const root = await verifyToken(await mintToken({ sub: "R1", name: "Root", role: "root" }), config);
    expect(root).toMatchObject({ isCounselor: false, isAdmin: true });
    const agent = await verifyToken(await mintToken(people.agent), config);
    expect(agent).toMatchObject({ isCounselor: false, isAdmin: false });
  });
});
