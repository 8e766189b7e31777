import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, apiJson, people } from "../support/api";

const { student } = people;

describe("request bodies", () => {
  it("refuses bodies over 64 KiB with 413 TOO_LARGE, with or without Content-Length", async () => {
    const big = JSON.stringify({ recipientUserCode: "PROF001", title: "t", content: "x".repeat(70 * 1024) });
    const res = await apiJson("/api/consultations", { token: student, body: big });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe("TOO_LARGE");

    const bytes = new TextEncoder().encode(big);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.slice(i, i + 8192));
        controller.close();
      },
    });
    // No Content-Length: the limit must hold while the stream is read, too.
    const chunked = await exports.default.fetch("http://test.local/api/consultations", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: stream,
    });
    expect(chunked.status).toBe(413);
    expect(await chunked.json()).toMatchObject({ code: "TOO_LARGE" });
  });

  it("accepts a body just under the limit", async () => {
    const body = { recipientUserCode: "PROF001", title: "t", content: "가".repeat(3000) };
    expect((await api("/api/consultations", { token: student, body })).status).toBe(201);
  });

  it("answers malformed JSON with 400 VALIDATION", async () => {
    for (const body of ["{", "{\"title\": }", "not json", "[1,2"]) {
      const res = await apiJson("/api/consultations", { token: student, body });
      expect(res.status, body).toBe(400);
      expect(res.body.code).toBe("VALIDATION");
    }
  });

  it("answers JSON that is not an object, and a non-JSON content type, with 400", async () => {
    for (const body of ["[]", "null", "42", "\"s\""]) {
      expect((await apiJson("/api/consultations", { token: student, body })).status, body).toBe(400);
    }
    const res = await apiJson("/api/consultations", { token: student, body: "title=x", headers: { "Content-Type": "text/plain" } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("VALIDATION");
  });

  it("lists every invalid field in details", async () => {
    const res = await apiJson("/api/consultations", { token: student, body: { title: 5, scheduledAt: "soon" } });
    expect(res.status).toBe(400);
    const paths = res.body.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(["title", "scheduledAt"]));
  });
});

describe("routing", () => {
  it("answers unknown routes and methods with a JSON 404, with or without a token", async () => {
    for (const [path, method] of [["/nope", "GET"], ["/api/nope", "GET"], ["/api/consultations/1/fly", "POST"], ["/api/consultations", "DELETE"]] as const) {
      for (const token of [undefined, student]) {
        const res = await apiJson(path, { method, token });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body.code).toBe("NOT_FOUND");
      }
    }
  });

  it("serves /health without auth", async () => {
    expect(await apiJson("/health")).toEqual({ status: 200, body: { ok: true } });
  });
});

describe("/openapi.json", () => {
  it("documents every route of SPEC section 3 with bearer auth", async () => {
    const { status, body } = await apiJson("/openapi.json");
    expect(status).toBe(200);
    expect(body.openapi).toMatch(/^3\./);
    expect(body.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    const paths = body.paths as Record<string, Record<string, { security?: unknown }>>;
    const expected: [string, string][] = [
      ["/api/consultations", "post"], ["/api/consultations", "get"], ["/api/consultations/queue", "get"],
      ["/api/consultations/{id}", "get"], ["/api/consultations/end", "post"], ["/api/admin/stats", "get"], ["/health", "get"],
      ...["approve", "reject", "cancel", "start", "transfer", "end"].map((a): [string, string] => [`/api/consultations/{id}/${a}`, "post"]),
    ];
    for (const [path, method] of expected) {
      expect(paths[path]?.[method], `${method} ${path}`).toBeDefined();
      if (path.startsWith("/api/")) expect(paths[path]![method]!.security).toEqual([{ bearerAuth: [] }]);
    }
    expect(body.components.schemas.Consultation.properties.status).toBeDefined();
  });
});
