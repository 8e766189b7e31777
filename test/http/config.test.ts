import { afterEach, describe, expect, it, vi } from "vitest";
import { apiJson, people, testEnv } from "../support/api";

afterEach(() => vi.restoreAllMocks());

/** Calls the app with `overrides` on top of the test env; returns the response and what was logged. */
async function callWith(overrides: Partial<Record<keyof Env, string | undefined>>, path = "/api/consultations") {
  const logged: string[] = [];
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    logged.push(args.map(String).join(" "));
  });
  const res = await apiJson(path, { token: people.student, env: { ...testEnv, ...overrides } as Env });
  return { ...res, log: logged.join("\n") };
}

describe("configuration errors", () => {
  const cases: [string, Partial<Record<keyof Env, string | undefined>>, string[]][] = [
    ["no JWT key at all", { JWT_SECRET: undefined }, ["JWT_SECRET"]],
    ["an Upstash URL without its token", { UPSTASH_REDIS_REST_URL: "https://x.upstash.io" }, ["UPSTASH_REDIS_REST_TOKEN"]],
    ["an Upstash token without its URL", { UPSTASH_REDIS_REST_TOKEN: "t" }, ["UPSTASH_REDIS_REST_URL"]],
    ["half an S3 group", { S3_ENDPOINT: "http://127.0.0.1:9000", S3_ACCESS_KEY_ID: "k" }, ["S3_REGION", "S3_SECRET_ACCESS_KEY"]],
    ["half a DATABASE group", { DATABASE_HOST: "db.example", DATABASE_PASSWORD: "p" }, ["DATABASE_USERNAME"]],
    ["a JWKS that is not one", { JWT_JWKS: "{not json" }, ["JWT_JWKS"]],
    ["a non-numeric ORPHAN_HOURS", { ORPHAN_HOURS: "soon" }, ["ORPHAN_HOURS"]],
  ];

  for (const [what, overrides, names] of cases) {
    it(`${what}: every request gets 500 INTERNAL and the log names ${names.join(", ")}`, async () => {
      for (const path of ["/api/consultations", "/health"]) {
        const res = await callWith(overrides, path);
        expect(res.status).toBe(500);
        expect(res.body).toEqual({ error: "The service is misconfigured", code: "INTERNAL" });
        for (const name of names) expect(res.log).toContain(name);
        // The client never learns the variable names.
        for (const name of names) expect(JSON.stringify(res.body)).not.toContain(name);
      }
    });
  }

  it("a complete configuration works (and blank values count as absent)", async () => {
    const res = await callWith({ UPSTASH_REDIS_REST_URL: "  ", COUNSELOR_ROLES: "student" });
    expect(res.status).toBe(200);
    const queue = await callWith({ COUNSELOR_ROLES: "student" }, "/api/consultations/queue");
    expect(queue.status).toBe(200);
  });
});
