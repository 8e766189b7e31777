import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { verifyToken } from "../../src/auth/verify-token";
import { getConfig } from "../../src/config/config";

const app = createApp();
const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
/** The test bindings plus DEV_AUTH=true: a separate env object, so config is parsed anew. */
const devEnv: Env = { ...env, DEV_AUTH: "true" };

function devFetch(method: string, body?: string, headers: Record<string, string> = {}) {
  return app.fetch(new Request("http://x/api/dev/sign-in", { method, body, headers }), devEnv, ctx);
}

describe("demo sign-in without DEV_AUTH", () => {
  it("does not exist: the JSON 404 of an unknown route", async () => {
    for (const method of ["GET", "POST"]) {
      const res = await exports.default.fetch("http://x/api/dev/sign-in", {
        method,
        body: method === "POST" ? JSON.stringify({ userCode: "STU001" }) : undefined,
        headers: { "Content-Type": "application/json" },
      });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: "NOT_FOUND" });
    }
  });

  it("stays off for any value but the exact string true", async () => {
    const res = await app.fetch(
      new Request("http://x/api/dev/sign-in", { method: "POST", body: JSON.stringify({ userCode: "STU001" }) }),
      { ...env, DEV_AUTH: "1" },
      ctx,
    );
    expect(res.status).toBe(404);
  });
});

describe("demo sign-in with DEV_AUTH=true", () => {
  it("lists the demo users", async () => {
    const res = await devFetch("GET");
    expect(res.status).toBe(200);
    const { users } = (await res.json()) as { users: { userCode: string; role: string }[] };
    expect(users.map((u) => `${u.userCode}:${u.role}`)).toEqual(
      expect.arrayContaining(["STU001:student", "PROF001:professor", "CUS001:customer", "AGT001:agent", "ADM001:admin"]),
    );
  });

  it("issues a token the API's own verification accepts, with the user's role", async () => {
    const res = await devFetch("POST", JSON.stringify({ userCode: "PROF001" }), { "Content-Type": "application/json" });
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as { token: string };
    const user = await verifyToken(token, getConfig(devEnv));
    expect(user).toMatchObject({ userCode: "PROF001", name: "김교수", role: "professor", isCounselor: true, isAdmin: false });
    expect(user.exp! * 1000).toBeGreaterThan(Date.now());
  });

  it("refuses unknown users, a missing body and malformed JSON with 400 VALIDATION", async () => {
    for (const body of [JSON.stringify({ userCode: "NOBODY" }), JSON.stringify({}), "{not json", undefined]) {
      const res = await devFetch("POST", body, { "Content-Type": "application/json" });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: "VALIDATION" });
    }
  });
});
