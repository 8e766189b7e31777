/** SPEC section 11, step 1: POST /api/chat/attachments/{requestIdx}. */
import { describe, expect, it, vi } from "vitest";
import { getServices } from "../../src/config/services";
import { people, testEnv } from "../support/api";
import { actOk, namedConsultation } from "../support/consultations";
import { grant, grantPath, ownStudent, requestGrant } from "./support/uploads";

const pdf = { name: "보고서 초안.pdf", size: 1234, contentType: "application/pdf" };
const MiB = 1024 * 1024;

describe("POST /api/chat/attachments/{requestIdx}", () => {
  it("201 with the attachment id, a Worker upload URL (R2 binding) and its lifetime; the grant is stored unsent", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const g = await grant(people.student, c.requestIdx, pdf);
    expect(g.attachmentId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(g.upload.method).toBe("PUT");
    expect(g.upload.headers).toEqual({ "Content-Type": "application/pdf" });
    expect(g.expiresIn).toBe(600);
    const url = new URL(g.upload.url);
    expect(url.origin).toBe("http://test.local");
    expect(url.pathname).toBe(`/api/chat/attachments/${c.requestIdx}/${g.attachmentId}`);
    const exp = Number(url.searchParams.get("exp"));
    expect(exp * 1000 - Date.now()).toBeGreaterThan(590_000);
    expect(exp * 1000 - Date.now()).toBeLessThanOrEqual(600_000);
    expect(url.searchParams.get("sig")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = await getServices(testEnv).repository.findAttachment(g.attachmentId);
    expect(row).toMatchObject({ requestIdx: c.requestIdx, uploader: "STU001", ...pdf, sentClientMsgId: null });
  });

  it("the recipient may attach too, and in a SCHEDULED room; content types are compared case-insensitively", async () => {
    const c = await namedConsultation("SCHEDULED");
    const g = await grant(people.professor, c.requestIdx, { ...pdf, contentType: "Application/PDF" });
    expect((await getServices(testEnv).repository.findAttachment(g.attachmentId))?.contentType).toBe("application/pdf");
  });

  it("413 TOO_LARGE over ATTACHMENT_MAX_BYTES (10 MiB by default); exactly the limit is fine", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const over = await requestGrant(people.student, c.requestIdx, { ...pdf, size: 10 * MiB + 1 });
    expect(over.status).toBe(413);
    expect(over.body).toMatchObject({ code: "TOO_LARGE" });
    await grant(people.student, c.requestIdx, { ...pdf, size: 10 * MiB });
  });

  it("ATTACHMENT_MAX_BYTES and ATTACHMENT_TYPES are the operator's", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const env = { ...testEnv, ATTACHMENT_MAX_BYTES: "100", ATTACHMENT_TYPES: "text/markdown, image/png" };
    expect((await requestGrant(people.student, c.requestIdx, { ...pdf, size: 101, contentType: "image/png" }, { env })).status).toBe(413);
    expect((await requestGrant(people.student, c.requestIdx, { ...pdf, size: 100, contentType: "text/markdown" }, { env })).status).toBe(201);
    const pdfRefused = await requestGrant(people.student, c.requestIdx, { ...pdf, size: 100 }, { env });
    expect(pdfRefused.status).toBe(400);
    expect(pdfRefused.body.details).toEqual([{ path: "contentType", message: "one of text/markdown, image/png" }]);
  });

  it.each(["0", "-1", "1.5", "lots", "99999999999"])("an ATTACHMENT_MAX_BYTES of %s is a configuration error naming it", async (value) => {
    const logged: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void logged.push(args.join(" ")));
    const c = await namedConsultation("IN_PROGRESS");
    const res = await requestGrant(people.student, c.requestIdx, pdf, { env: { ...testEnv, ATTACHMENT_MAX_BYTES: value } });
    spy.mockRestore();
    expect(res.status).toBe(500);
    expect(logged.join("\n")).toContain("ATTACHMENT_MAX_BYTES");
  });

  it.each(["pdf", "text/plain; charset=utf-8", "image/*x"])("an ATTACHMENT_TYPES entry %j is a configuration error naming it", async (value) => {
    const logged: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void logged.push(args.join(" ")));
    const c = await namedConsultation("IN_PROGRESS");
    const res = await requestGrant(people.student, c.requestIdx, pdf, { env: { ...testEnv, ATTACHMENT_TYPES: `image/png,${value}` } });
    spy.mockRestore();
    expect(res.status).toBe(500);
    expect(logged.join("\n")).toContain("ATTACHMENT_TYPES");
  });

  it.each(["text/html", "image/svg+xml", "application/octet-stream", "application/x-msdownload"])("400 VALIDATION for the refused type %s", async (contentType) => {
    const c = await namedConsultation("IN_PROGRESS");
    const res = await requestGrant(people.student, c.requestIdx, { ...pdf, contentType });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: "VALIDATION" });
    expect(res.body.error).toContain(contentType);
  });

  const malformed: [string, unknown][] = [
    ["no name", { size: 1, contentType: "application/pdf" }],
    ["an empty name", { ...pdf, name: "   " }],
    ["a name over 255 characters", { ...pdf, name: `${"가".repeat(252)}.pdf` }],
    ["a name with a newline", { ...pdf, name: "a\nb.pdf" }],
    ["a name with U+2028", { ...pdf, name: "a\u2028b.pdf" }],
    ["no size", { name: "a.pdf", contentType: "application/pdf" }],
    ["size 0", { ...pdf, size: 0 }],
    ["a negative size", { ...pdf, size: -1 }],
    ["a fractional size", { ...pdf, size: 1.5 }],
    ["a size given as a string", { ...pdf, size: "1234" }],
    ["no contentType", { name: "a.pdf", size: 1 }],
    ["a contentType with parameters", { ...pdf, contentType: "text/plain; charset=utf-8" }],
    ["a contentType that is no media type", { ...pdf, contentType: "pdf" }],
    ["an array", [pdf]],
  ];
  it.each(malformed)("400 VALIDATION with details for %s", async (_, body) => {
    const c = await namedConsultation("IN_PROGRESS");
    const res = await requestGrant(people.student, c.requestIdx, body as object);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: "VALIDATION" });
    expect(res.body.details.length).toBeGreaterThan(0);
  });

  it("400 for malformed JSON and for a body that is not JSON", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    expect((await requestGrant(people.student, c.requestIdx, "{not json")).body).toMatchObject({ code: "VALIDATION" });
    const text = await requestGrant(people.student, c.requestIdx, "name=a", { headers: { "Content-Type": "text/plain" } });
    expect(text.status).toBe(400);
  });

  it("401 without a token; 403 for strangers and for admins (read-only); 404 for an unknown consultation", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    expect((await requestGrant(undefined as never, c.requestIdx, pdf, { token: undefined })).status).toBe(401);
    expect((await requestGrant(people.student2, c.requestIdx, pdf)).body).toMatchObject({ code: "FORBIDDEN" });
    expect((await requestGrant(people.professor2, c.requestIdx, pdf)).status).toBe(403);
    expect((await requestGrant(people.admin, c.requestIdx, pdf)).body).toMatchObject({ code: "FORBIDDEN" });
    expect((await requestGrant(people.student, 987_654_321, pdf)).body).toMatchObject({ code: "NOT_FOUND" });
  });

  it("409 INVALID_STATE when the room is not open: PENDING, COMPLETED, the recipient while a transfer waits", async () => {
    const pending = await namedConsultation("PENDING");
    expect((await requestGrant(people.student, pending.requestIdx, pdf)).body).toMatchObject({ code: "INVALID_STATE" });
    const done = await namedConsultation("COMPLETED");
    expect((await requestGrant(people.student, done.requestIdx, pdf)).status).toBe(409);
    expect((await requestGrant(people.professor, done.requestIdx, pdf)).status).toBe(409);
    const transferred = await namedConsultation("TRANSFERRED");
    // The requester may keep writing while the chat waits for its next counselor; the new
    // recipient joins once they approve.
    expect((await requestGrant(people.student, transferred.requestIdx, pdf)).status).toBe(201);
    expect((await requestGrant(people.professor2, transferred.requestIdx, pdf)).status).toBe(409);
    await actOk(people.professor2, transferred.requestIdx, "approve");
    expect((await requestGrant(people.professor2, transferred.requestIdx, pdf)).status).toBe(201);
    expect((await requestGrant(people.professor, transferred.requestIdx, pdf)).status).toBe(403);
  });

  it("429 RATE_LIMITED past 20 grants a minute per user; other users are not affected", async () => {
    const { who, requestIdx } = await ownStudent();
    for (let i = 0; i < 20; i++) await grant(who, requestIdx, pdf);
    const res = await requestGrant(who, requestIdx, pdf);
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ code: "RATE_LIMITED" });
    await grant(people.professor, requestIdx, pdf);
  });

  it("concurrent grants of one user never pass the limit", async () => {
    const { who, requestIdx } = await ownStudent();
    const results = await Promise.all(Array.from({ length: 30 }, () => requestGrant(who, requestIdx, pdf)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(20);
    expect(results.filter((r) => r.status === 429)).toHaveLength(10);
  });

  it("appears in /openapi.json with its refusals", async () => {
    const doc = (await (await import("../support/api")).apiJson("/openapi.json")).body;
    const op = doc.paths["/api/chat/attachments/{id}"].post;
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["201", "400", "403", "404", "409", "413", "429"]));
    expect(doc.paths["/api/chat/attachments/{id}/{attachmentId}"].put).toBeDefined();
    expect(doc.paths["/api/chat/attachments/{id}/{attachmentId}"].get).toBeDefined();
    expect(grantPath(1)).toBe("/api/chat/attachments/1");
  });
});
