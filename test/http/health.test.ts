import { exports } from "cloudflare:workers";
import { expect, it } from "vitest";

it("answers /health without auth", async () => {
  const res = await exports.default.fetch("http://x/health");
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ ok: true });
});

it("answers unknown API routes with a JSON 404", async () => {
  const res = await exports.default.fetch("http://x/api/nope");
  expect(res.status).toBe(404);
  expect(await res.json()).toMatchObject({ code: "NOT_FOUND" });
});
