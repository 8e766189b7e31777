import { Hono } from "hono";
import { SignJWT } from "jose";
import { ApiError } from "../domain/errors";
import type { AppEnv } from "../http/app-env";
import { handleNotFound } from "../http/error-response";

/**
 * LOCAL DEVELOPMENT ONLY: issues tokens for a few demo users so that the browser app can
 * be tried without a host application. It exists only when `DEV_AUTH=true` (the generated
 * local `.dev.vars` sets it); otherwise every request here gets the ordinary JSON 404 of an
 * unknown route. Tokens are signed with JWT_SECRET, like the host application's would be.
 */
export const DEMO_USERS = [
  { userCode: "STU001", name: "홍길동", role: "student" },
  { userCode: "STU002", name: "김철수", role: "student" },
  { userCode: "STU003", name: "이영희", role: "student" },
  { userCode: "PROF001", name: "김교수", role: "professor" },
  { userCode: "PROF002", name: "이교수", role: "professor" },
  { userCode: "CUS001", name: "최고객", role: "customer" },
  { userCode: "CUS002", name: "한고객", role: "customer" },
  { userCode: "AGT001", name: "박상담", role: "agent" },
  { userCode: "AGT002", name: "정상담", role: "agent" },
  { userCode: "ADM001", name: "관리자", role: "admin" },
] as const;

const TOKEN_HOURS = 12;

export const devSignIn = new Hono<AppEnv>();

devSignIn.use("*", async (c, next) => {
  if (!c.var.services.config.devAuth) return handleNotFound(c);
  await next();
});

devSignIn.get("/", (c) => c.json({ users: DEMO_USERS }));

devSignIn.post("/", async (c) => {
  const body = (await c.req.json().catch(() => null)) as { userCode?: unknown } | null;
  const user = DEMO_USERS.find((u) => u.userCode === body?.userCode);
  if (!user) {
    const message = `must be one of ${DEMO_USERS.map((u) => u.userCode).join(", ")}`;
    throw new ApiError("VALIDATION", "userCode must be one of the demo users", [{ path: "userCode", message }]);
  }
  const { auth } = c.var.services.config;
  if (!auth.secret) throw new ApiError("INTERNAL", "DEV_AUTH needs JWT_SECRET to sign demo tokens");
  const jwt = new SignJWT({ name: user.name, role: user.role })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(user.userCode)
    .setIssuedAt()
    .setExpirationTime(`${TOKEN_HOURS}h`);
  if (auth.issuer) jwt.setIssuer(auth.issuer);
  if (auth.audience) jwt.setAudience(auth.audience);
  const token = await jwt.sign(new TextEncoder().encode(auth.secret));
  return c.json({ token, user, expiresIn: TOKEN_HOURS * 3600 });
});
