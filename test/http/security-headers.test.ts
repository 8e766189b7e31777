/** SPEC section 14: security headers on every Worker answer, and the cross-origin rule. */
import { describe, expect, it } from "vitest";
import { getServices } from "../../src/config/services";
import { CONTENT_SECURITY_POLICY, contentSecurityPolicy } from "../../src/http/security-headers";
import { TRANSCRIPT_CONTENT_TYPE } from "../../src/protocol/transcript";
import { archiveKeys } from "../../src/stores/archive-store/port";
import { api, people, testEnv } from "../support/api";
import { namedConsultation } from "../support/consultations";
import { connect, post, upgrade } from "../support/sockets";

function expectSecurityHeaders(res: Response, what: string) {
  expect(res.headers.get("Content-Security-Policy"), what).toBe(CONTENT_SECURITY_POLICY);
  expect(res.headers.get("X-Content-Type-Options"), what).toBe("nosniff");
  expect(res.headers.get("Referrer-Policy"), what).toBe("no-referrer");
}

describe("security headers", () => {
  it("the policy allows scripts and connections from the own origin only and no framing", () => {
    const directives = Object.fromEntries(CONTENT_SECURITY_POLICY.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1)]));
    expect(directives["script-src"]).toEqual(["'self'"]);
    expect(directives["connect-src"]).toEqual(["'self'"]);
    expect(directives["frame-ancestors"]).toEqual(["'none'"]);
    expect(directives["default-src"]).toEqual(["'self'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it("lets the browser reach the S3 bucket for presigned uploads and previews, and nothing else", () => {
    const policy = contentSecurityPolicy("https://consultation-chats.s3.example.com");
    const directives = Object.fromEntries(policy.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1)]));
    expect(directives["connect-src"]).toEqual(["'self'", "https://consultation-chats.s3.example.com"]);
    expect(directives["img-src"]).toEqual(["'self'", "data:", "blob:", "https://consultation-chats.s3.example.com"]);
    expect(directives["script-src"]).toEqual(["'self'"]);
    expect(directives["default-src"]).toEqual(["'self'"]);
  });

  it("are on the browser app's files, served through the Worker", async () => {
    for (const path of ["/", "/consultations/1"]) {
      const res = await api(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("Content-Type"), path).toMatch(/text\/html/);
      expectSecurityHeaders(res, path);
    }
    // An unknown API path stays a JSON 404, never the app's index.html.
    const missing = await api("/api/no-such-route");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: "NOT_FOUND" });
  });

  it("are on both transcript downloads", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const s = (await connect(c.requestIdx, { token: people.student })).client;
    await post(s, "<script>alert(1)</script>");
    s.close();
    const history = await api(`/api/chat/history/download/${c.requestIdx}`, { token: people.student, method: "POST" });
    expect(history.status).toBe(200);
    expect(await history.text()).toContain("<script>alert(1)</script>");
    expectSecurityHeaders(history, "history download");

    await getServices(testEnv).archive.put(archiveKeys.final(c.requestIdx), "archived", TRANSCRIPT_CONTENT_TYPE);
    const archived = await api(`/api/chat/archive/download/${c.requestIdx}`, { token: people.student });
    expect(archived.status).toBe(200);
    expectSecurityHeaders(archived, "archive download");
  });

  it("are on JSON answers, errors and the public routes", async () => {
    const answers: [string, Response][] = [
      ["list", await api("/api/consultations", { token: people.student })],
      ["401", await api("/api/consultations")],
      ["404", await api("/api/consultations/0x1A", { token: people.student })],
      ["400", await api("/api/consultations", { token: people.student, body: "{" })],
      ["no route", await api("/nope")],
      ["health", await api("/health")],
      ["openapi", await api("/openapi.json")],
    ];
    for (const [what, res] of answers) expectSecurityHeaders(res, what);
  });
});

describe("cross-origin requests (ALLOWED_ORIGINS)", () => {
  const listed: Env = { ...testEnv, ALLOWED_ORIGINS: "https://app.example, https://admin.example" };
  const preflight = (origin: string, env?: Env) =>
    api("/api/consultations", {
      method: "OPTIONS",
      env,
      headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type" },
    });

  it("serves requests without Origin and same-origin ones, without CORS headers", async () => {
    for (const headers of [{}, { Origin: "http://test.local" }] as Record<string, string>[]) {
      const res = await api("/api/consultations", { token: people.student, headers });
      expect(res.status).toBe(200);
      expect(res.headers.get("Access-Control-Allow-Origin")).toBeNull();
    }
  });

  it("refuses every other origin with 403 when none is listed, preflight included", async () => {
    for (const origin of ["https://evil.example", "null", "http://test.local:8080", "https://test.local"]) {
      const res = await api("/api/consultations", { token: people.student, headers: { Origin: origin } });
      expect(res.status, origin).toBe(403);
      expect(await res.json()).toMatchObject({ code: "FORBIDDEN" });
      expect(res.headers.get("Access-Control-Allow-Origin")).toBeNull();
      const pre = await preflight(origin);
      expect(pre.status, `preflight ${origin}`).toBe(403);
      expect(pre.headers.get("Access-Control-Allow-Origin")).toBeNull();
    }
    // Nothing was created by a refused cross-origin POST.
    const before = (await (await api("/api/consultations?role=requester", { token: people.student2 })).json()) as { items: unknown[] };
    const post = await api("/api/consultations", { token: people.student2, headers: { Origin: "https://evil.example" }, body: { recipientUserCode: "PROF001", title: "x" } });
    expect(post.status).toBe(403);
    const after = (await (await api("/api/consultations?role=requester", { token: people.student2 })).json()) as { items: unknown[] };
    expect(after.items).toHaveLength(before.items.length);
  });

  it("answers a listed origin with CORS for it, and its preflight with 204", async () => {
    const res = await api("/api/consultations", { token: people.student, env: listed, headers: { Origin: "https://admin.example" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("https://admin.example");
    expect(res.headers.get("Vary")).toMatch(/Origin/);
    const pre = await preflight("https://app.example", listed);
    expect(pre.status).toBe(204);
    expect(pre.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
    expect(pre.headers.get("Access-Control-Allow-Methods")).toMatch(/POST/);
    expect(pre.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toMatch(/authorization/);
    // Another origin is still refused while some are listed.
    expect((await api("/api/consultations", { token: people.student, env: listed, headers: { Origin: "https://evil.example" } })).status).toBe(403);
    expect((await preflight("https://evil.example", listed)).status).toBe(403);
  });

  it("does not apply to the WebSocket upgrade: with none listed, sockets open from any origin (SPEC section 4)", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    for (const origin of ["https://evil.example", "null", "http://test.local"]) {
      const res = await upgrade(c.requestIdx, { token: people.student, headers: { Origin: origin } });
      expect(res.status, origin).toBe(101);
      expect(res.headers.get("Access-Control-Allow-Origin")).toBeNull();
      res.webSocket!.accept();
      res.webSocket!.close();
    }
    // The same origin is still refused on REST, and on the connect path without an upgrade.
    expect((await api("/api/consultations", { token: people.student, headers: { Origin: "https://evil.example" } })).status).toBe(403);
    const plain = await api(`/api/chat/ws/${c.requestIdx}`, { token: people.student, headers: { Origin: "https://evil.example" } });
    expect(plain.status).toBe(403);
  });
});
