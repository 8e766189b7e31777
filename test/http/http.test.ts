import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, apiJson, people, testEnv } from "../support/api";

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

  it("answers malformed JSON with 400 VALIDATION and details", async () => {
    for (const body of ["{", "{\"title\": }", "not json", "[1,2", ""]) {
      const res = await apiJson("/api/consultations", { token: student, body });
      expect(res.status, body).toBe(400);
      expect(res.body.code).toBe("VALIDATION");
      expect(res.body.details, body).toEqual([{ path: "body", message: expect.stringMatching(/JSON/) }]);
    }
    // The same on an action route with an optional body.
    const res = await apiJson("/api/consultations/1/reject", { token: student, body: "{" });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([{ path: "body", message: expect.stringMatching(/JSON/) }]);
  });

  it("answers JSON that is not an object, and a non-JSON content type, with 400", async () => {
    for (const body of ["[]", "null", "42", "\"s\""]) {
      expect((await apiJson("/api/consultations", { token: student, body })).status, body).toBe(400);
    }
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx", ""]) {
      const res = await apiJson("/api/consultations", { token: student, body: "title=x", headers: { "Content-Type": type } });
      expect(res.status, type).toBe(400);
      expect(res.body.code).toBe("VALIDATION");
      expect(res.body.details, type).toEqual([{ path: "body", message: expect.stringMatching(/JSON/) }]);
    }
  });

  it("gives every 400 VALIDATION a details list", async () => {
    const bad = [
      await apiJson("/api/consultations?limit=0", { token: student }),
      await apiJson("/api/consultations?cursor=zzz", { token: student }),
      await apiJson("/api/consultations", { token: student, body: { title: "t" } }),
      await apiJson("/api/dev/sign-in", { body: { userCode: "nobody" }, env: { ...testEnv, DEV_AUTH: "true" } }),
    ];
    for (const res of bad) {
      expect(res.status).toBe(400);
      expect(res.body.details.length).toBeGreaterThan(0);
      for (const d of res.body.details) expect(d).toEqual({ path: expect.any(String), message: expect.any(String) });
    }
  });

  it("lists every invalid field in details", async () => {
    const res = await apiJson("/api/consultations", { token: student, body: { title: 5, scheduledAt: "soon" } });
    expect(res.status).toBe(400);
    const paths = res.body.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(["title", "scheduledAt"]));
  });
});

describe("routing", () => {
  it("answers unknown API routes and methods with a JSON 404, with or without a token", async () => {
    for (const [path, method] of [["/api/nope", "GET"], ["/ws/nope", "GET"], ["/api/consultations/1/fly", "POST"], ["/api/consultations", "DELETE"]] as const) {
      for (const token of [undefined, student]) {
        const res = await apiJson(path, { method, token });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body.code).toBe("NOT_FOUND");
      }
    }
  });

  it("answers every other path with the browser app (its single-page fallback for deep links)", async () => {
    for (const path of ["/nope", "/consultations/12"]) {
      const res = await api(path);
      expect(res.status, path).toBe(200);
      expect(await res.text(), path).toContain("<!doctype html>");
    }
  });

  it("serves /health without auth", async () => {
    expect(await apiJson("/health")).toEqual({ status: 200, body: { ok: true } });
  });
});

describe("path ids (SPEC section 14)", () => {
  // Each is the path segment as sent; the Worker sees it percent-decoded.
  const NOT_PLAIN = ["0x1A", "%2012", "12%20", "%0912", "1e3", "012", "00", "0", "-1", "+1", "1.0", "1.", "%EF%BC%91%EF%BC%92", "1_000", "12abc",
    "9007199254740992", "99999999999999999999"];
  const ROUTES: [string, (id: string) => string][] = [
    ["GET", (id) => `/api/consultations/${id}`],
    ["POST", (id) => `/api/consultations/${id}/cancel`],
    ["GET", (id) => `/api/chat/messages/${id}`],
    ["POST", (id) => `/api/chat/history/download/${id}`],
    ["POST", (id) => `/api/chat/ticket/${id}`],
    ["GET", (id) => `/api/chat/ws/${id}`],
    ["GET", (id) => `/api/chat/archive/download/${id}`],
  ];

  it("answers an id not written as a plain positive decimal with 404 NOT_FOUND on every route", async () => {
    const { body: c } = await apiJson("/api/consultations", { token: student, body: { recipientUserCode: "PROF001", title: "ids" } });
    expect(c.requestIdx).toBeGreaterThan(0);
    for (const [method, path] of ROUTES) {
      for (const id of [...NOT_PLAIN, `0${c.requestIdx}`, `${c.requestIdx}%20`, `%20${c.requestIdx}`]) {
        const res = await apiJson(path(id), { method, token: student, headers: { Upgrade: "websocket" } });
        expect(res.status, `${method} ${path(id)}`).toBe(404);
        expect(res.body.code).toBe("NOT_FOUND");
      }
    }
    // The plain form reaches the consultation.
    expect((await apiJson(`/api/consultations/${c.requestIdx}`, { token: student })).body.requestIdx).toBe(c.requestIdx);
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
