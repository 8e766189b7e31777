/** SPEC section 11: GET /api/chat/attachments/{requestIdx}/{attachmentId} (R2 binding). */
import { describe, expect, it } from "vitest";
import { archiveKeys } from "../../src/stores/archive-store/port";
import { api, people, testEnv } from "../support/api";
import { namedConsultation } from "../support/consultations";
import { connect } from "../support/sockets";
import { filePath, randomBytes, sendFile, uploaded } from "./support/uploads";

/** A consultation with one sent file; returns its path and bytes. */
async function sentFile(file: { name: string; contentType: string; bytes: Uint8Array }) {
  const c = await namedConsultation("IN_PROGRESS");
  const g = await uploaded(people.student, c.requestIdx, file);
  const { client } = await connect(c.requestIdx, { token: people.student });
  expect(await sendFile(client, g.attachmentId)).toMatchObject({ type: "ack" });
  client.close();
  return { requestIdx: c.requestIdx, attachmentId: g.attachmentId, path: filePath(c.requestIdx, g.attachmentId) };
}

describe("GET /api/chat/attachments/{requestIdx}/{attachmentId}", () => {
  it("streams the file byte-identical to participants and admins, as an attachment with its Korean name", async () => {
    const bytes = randomBytes(300_001);
    const { path } = await sentFile({ name: "기말 보고서 \"최종\".pdf", contentType: "application/pdf", bytes });
    for (const who of [people.professor, people.student, people.admin]) {
      const res = await api(path, { token: who });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/pdf");
      expect(res.headers.get("content-length")).toBe(String(bytes.length));
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
      // The ASCII fallback replaces what is not printable ASCII, and the quotes.
      expect(res.headers.get("content-disposition")).toBe(
        `attachment; filename="__ ___ ____.pdf"; filename*=UTF-8''${encodeURIComponent('기말 보고서 "최종".pdf')}`,
      );
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    }
  });

  it("images are inline (chat previews); everything else is an attachment", async () => {
    for (const [contentType, kind] of [["image/png", "inline"], ["image/jpeg", "inline"], ["image/gif", "inline"], ["image/webp", "inline"], ["text/plain", "attachment"], ["application/zip", "attachment"]] as const) {
      const { path } = await sentFile({ name: "x", contentType, bytes: randomBytes(10) });
      const res = await api(path, { token: people.professor });
      expect(res.headers.get("content-disposition"), contentType).toMatch(new RegExp(`^${kind}; `));
      await res.body?.cancel();
    }
  });

  it("403 for strangers, 401 without a token, 404 for unknown, foreign or malformed ids", async () => {
    const { requestIdx, attachmentId, path } = await sentFile({ name: "a.png", contentType: "image/png", bytes: randomBytes(10) });
    expect((await api(path, { token: people.student2 })).status).toBe(403);
    expect((await api(path)).status).toBe(401);
    expect((await api(filePath(requestIdx, crypto.randomUUID()), { token: people.student })).status).toBe(404);
    const other = await namedConsultation("IN_PROGRESS");
    expect((await api(filePath(other.requestIdx, attachmentId), { token: people.student })).status).toBe(404);
    expect((await api(filePath(987_654_321, attachmentId), { token: people.student })).status).toBe(404);
    expect((await api(filePath(requestIdx, "nope"), { token: people.student })).status).toBe(404);
  });

  it("an upload not sent yet is its uploader's only; the other side gets 404", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const g = await uploaded(people.student, c.requestIdx, { name: "a.png", contentType: "image/png", bytes: randomBytes(10) });
    const path = filePath(c.requestIdx, g.attachmentId);
    expect((await api(path, { token: people.professor })).status).toBe(404);
    expect((await api(path, { token: people.admin })).status).toBe(404);
    const own = await api(path, { token: people.student });
    expect(own.status).toBe(200);
    await own.body?.cancel();
  });

  it("stays downloadable after the consultation is archived; the archive download still serves the transcript", async () => {
    const bytes = randomBytes(2048);
    const { requestIdx, path } = await sentFile({ name: "a.zip", contentType: "application/zip", bytes });
    const end = await api(`/api/consultations/${requestIdx}/end`, { token: people.student, method: "POST" });
    expect(end.status).toBe(200);
    const file = await api(path, { token: people.professor });
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes);
    const archived = await api(`/api/chat/archive/download/${requestIdx}`, { token: people.professor });
    expect(await archived.text()).toContain("내용: [파일] a.zip (2.0 KB)");
    expect(await testEnv.ARCHIVE.head(archiveKeys.attachment(requestIdx, path.split("/").at(-1)!))).not.toBeNull();
  });

  it("?link=true answers {url: null} with the R2 binding (the app then fetches the path itself), with the same access rules", async () => {
    const { path } = await sentFile({ name: "a.png", contentType: "image/png", bytes: randomBytes(10) });
    const res = await api(`${path}?link=true`, { token: people.professor });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ url: null, expiresIn: 300 });
    expect((await api(`${path}?link=true`, { token: people.student2 })).status).toBe(403);
    expect((await api(`${path}?link=yes`, { token: people.professor })).status).toBe(400);
  });

  it("404 when the object itself is gone", async () => {
    const { requestIdx, attachmentId, path } = await sentFile({ name: "a.png", contentType: "image/png", bytes: randomBytes(10) });
    await testEnv.ARCHIVE.delete(archiveKeys.attachment(requestIdx, attachmentId));
    expect((await api(path, { token: people.professor })).status).toBe(404);
  });
});
